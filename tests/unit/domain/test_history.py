"""How long history is kept: the cutoff is a pure function of the days and ``now``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from certherd.domain.history import history_cutoff

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def test_history_older_than_the_days_goes() -> None:
    assert history_cutoff(90, NOW) == NOW - timedelta(days=90)
    assert history_cutoff(1, NOW) == datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_zero_days_keeps_history_for_ever() -> None:
    assert history_cutoff(0, NOW) is None


def test_negative_days_are_a_mistake() -> None:
    with pytest.raises(ValueError, match="0 or more days"):
        history_cutoff(-1, NOW)
