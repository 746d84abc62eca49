"""What sweeping history needs from storage: bounded deletes of finished records, oldest
first. Each returns how many rows of its kind it deleted (at most ``limit``)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

__all__ = ["HistoryRepository"]


class HistoryRepository(Protocol):
    def delete_topic_deliveries(self, finished_before: datetime, limit: int) -> int:
        """Finished topic deliveries (delivered, failed, dead-lettered or dropped) and
        their attempts."""

    def delete_topic_messages(self, published_before: datetime, limit: int) -> int:
        """Published messages no delivery refers to any more."""

    def delete_invocations(self, finished_before: datetime, limit: int) -> int:
        """Finished rule target invocations."""

    def delete_events(self, ingested_before: datetime, limit: int) -> int:
        """Routed events none of whose invocations is still pending."""

    def delete_mail(self, created_before: datetime, limit: int) -> int:
        """Mail of the local mailbox."""

    def delete_function_runs(self, started_before: datetime, limit: int) -> int:
        """Records of function runs."""

    def delete_deployment_runs(self, finished_before: datetime, limit: int) -> int:
        """Records of deployment runs, except each deployment's latest."""
