"""Acceptance: ``certherd demo`` plays the renewal-alert scenario in its own process, as a
first-time user runs it: no server, no settings of theirs used, its data directory
removed afterwards (kept with --keep), and a JSON record of the steps with --output json.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from e2e_support import CLI, clean_env

CERTIFICATE_ARN = re.compile(r"arn:aws:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}")


def demo(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``certherd demo ARGS`` with the temporary directory in ``tmp_path``."""
    return subprocess.run(
        [*CLI, "demo", *args],
        env=clean_env(TMPDIR=str(tmp_path), **env),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def leftovers(tmp_path: Path) -> list[Path]:
    return sorted(tmp_path.glob("certherd-demo-*"))


def test_the_demo_ends_with_a_readable_alert_and_leaves_nothing_behind(tmp_path: Path) -> None:
    mine = tmp_path / "my-data"
    result = demo(
        tmp_path,
        # An installation's settings must not be used (nor its database touched).
        CERTHERD_DATA_DIR=str(mine),
        CERTHERD_DATABASE_URL="postgresql://nobody@db.invalid/certherd",
    )
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    out = result.stdout
    assert [int(n) for n in re.findall(r"^\s*(\d+)/13  ", out, re.MULTILINE)] == list(range(1, 14))
    # The rule was tried before the topic allowed the event bus.
    assert "NO_PERMISSIONS" in out
    # The alert: the certificate, the days left and the reason, in the mail as printed.
    alert = out[out.index("13/13") :]
    match = CERTIFICATE_ARN.search(alert)
    assert match is not None, alert
    assert "Subject: Renewal action required: shop.example.com (45 days left)" in alert
    assert f"| ARN:            {match.group(0)}" in alert
    assert "| Days left:      45 days left" in alert
    assert "PCA_ACCESS_DENIED" in alert
    assert "the certificate manager" in alert
    assert "certherd mail relay set" in out
    # The data directory it named is gone; the user's was never made.
    removed = re.search(r"data directory was removed: (\S+)", out)
    assert removed is not None, out
    assert Path(removed.group(1)).parent == tmp_path
    assert not Path(removed.group(1)).exists()
    assert leftovers(tmp_path) == []
    assert not mine.exists()


def test_the_json_record_names_every_step_and_the_alert(tmp_path: Path) -> None:
    result = demo(tmp_path, "--output", "json", "--keep", "--email", "alice@example.org")
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    record = json.loads(result.stdout)
    steps = record["Steps"]
    assert [step["Step"] for step in steps] == list(range(1, 14))
    for step in steps:
        assert step["Title"] and step["Why"]
        assert step["Commands"] and all(c.startswith("certherd ") for c in step["Commands"])
    [failed] = steps[7]["Result"]["Invocation"]
    assert failed.startswith("FAILED") and "NO_PERMISSIONS" in failed
    assert steps[5]["Result"]["State"] == "CONFIRMED"
    assert steps[5]["Mail"]["To"] == ["alice@example.org"]

    assert record["DaysToExpiry"] == 45
    assert record["RenewalStatusReason"] == "PCA_ACCESS_DENIED"
    alert = record["Alert"]
    assert alert["To"] == ["alice@example.org"]
    assert alert["Subject"] == "Renewal action required: shop.example.com (45 days left)"
    assert record["CertificateArn"] in alert["Text"]
    assert "45 days left" in alert["Text"] and "PCA_ACCESS_DENIED" in alert["Text"]
    # Kept: the database and key are there to look around with `certherd serve`.
    kept = Path(record["DataDir"])
    assert record["Kept"] is True
    assert leftovers(tmp_path) == [kept]
    assert (kept / "certherd.db").is_file() and (kept / "master.key").is_file()
    assert any(str(kept) in item["Command"] for item in record["NextSteps"])


def test_a_bad_address_is_refused_before_anything_is_made(tmp_path: Path) -> None:
    result = demo(tmp_path, "--email", "not an address")
    assert result.returncode == 2
    assert "--email" in result.stderr
    assert leftovers(tmp_path) == []
