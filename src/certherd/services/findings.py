"""Security findings (what Security Hub is to EventBridge): made from events delivered to
the account's hub (:mod:`.finding_target`), listed, exported as ASFF and triaged.

See :mod:`certherd.domain.findings` for the model and its workflow, and
:mod:`certherd.domain.finding_events` for what each event makes.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from certherd.domain.arns import ArnFactory, validate_account_id
from certherd.domain.certificate import Certificate
from certherd.domain.clock import Clock, require_utc
from certherd.domain.finding_events import (
    EventFacts,
    is_remedy,
    observations,
    parse_event,
    superseded,
)
from certherd.domain.findings import (
    CERTHERD,
    Finding,
    Note,
    WorkflowStatus,
    asff_document,
    finding_id,
    observe,
    set_workflow,
)
from certherd.errors import NotFoundError, ValidationError
from certherd.services.finding_ports import FindingFilter
from certherd.services.finding_resolution import RENEWED, resolve_findings
from certherd.services.ports import UnitOfWork, UnitOfWorkFactory

__all__ = ["MAX_FINDINGS_PAGE", "FindingPage", "FindingService"]

MAX_FINDINGS_PAGE: Final = 100
MAX_NOTE: Final = 512
#: Matches every finding.
ANY_FINDING: Final = FindingFilter()
_ID_RE: Final = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass(frozen=True)
class FindingPage:
    findings: list[Finding]
    next_token: str | None


class FindingService:
    """Findings of every account; safe to share between threads."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        clock: Clock,
        arns: ArnFactory,
        read_uow: UnitOfWorkFactory | None = None,
    ) -> None:
        self._uow = uow
        self._read_uow = read_uow or uow
        self._clock = clock
        self._arns = arns

    # -- from events ------------------------------------------------------------------------

    def import_in(
        self,
        uow: UnitOfWork,
        *,
        account: str,
        payload: str,
        now: datetime,
        rule_arn: str | None = None,
    ) -> list[Finding]:
        """Turn the event ``payload`` into findings of ``account`` inside ``uow``: new ones,
        or updates of the one finding per (kind of event, resource); return those that
        changed. ``ACM Certificate Available`` resolves its certificate's findings observed
        before it instead. Raises ValidationError (field ``Event``) when ``payload`` is not a
        whole event."""
        try:
            envelope = json.loads(payload)
        except ValueError:
            raise ValidationError("the payload is not JSON", field="Event") from None
        event = parse_event(envelope)
        if is_remedy(event):
            for arn in event.resources:
                resolve_findings(
                    uow,
                    account=account,
                    resource_arn=arn,
                    reason=RENEWED,
                    now=now,
                    observed_before=event.time,
                )
            return []
        certificates, stale = self._certificates(uow, account, event)
        changed: list[Finding] = []
        for observation in observations(
            event, certificates=certificates, rule_arn=rule_arn, now=now
        ):
            existing = uow.findings.get(
                account, finding_id(account, observation.generator_id, observation.resource_arn)
            )
            note = stale.get(observation.resource_arn)
            updated = observe(
                existing,
                observation,
                account=account,
                now=now,
                resolved_by=None if note is None else Note(note, CERTHERD, now),
            )
            if updated is None:
                continue
            if existing is None:
                uow.findings.add(updated)
            else:
                uow.findings.update(updated)
            changed.append(updated)
        return changed

    def _certificates(
        self, uow: UnitOfWork, account: str, event: EventFacts
    ) -> tuple[dict[str, Certificate], dict[str, str]]:
        """The event's certificates as stored now, and the notes of those out of date (the
        certificate is gone, or was renewed after the event)."""
        found: dict[str, Certificate] = {}
        stale: dict[str, str] = {}
        for arn in event.resources:
            try:
                owner, certificate_id = self._arns.certificate_id(arn, field="resources")
            except ValidationError:
                continue
            cert = uow.certificates.get(owner, certificate_id) if owner == account else None
            if cert is None:
                stale[arn] = "Resolved by certherd: the certificate no longer exists."
            elif superseded(event, cert):
                stale[arn] = "Resolved by certherd: the certificate was renewed after the event."
            else:
                found[arn] = cert
        return found, stale

    # -- reading ----------------------------------------------------------------------------

    def list_findings(
        self,
        *,
        account: str,
        where: FindingFilter = ANY_FINDING,
        max_items: int = MAX_FINDINGS_PAGE,
        next_token: str | None = None,
    ) -> FindingPage:
        """The account's findings matching ``where``, newest first, a page at a time.
        Raises ValidationError for ``max_items`` outside 1-100 (MaxItems) or a token not
        from a previous page (NextToken)."""
        validate_account_id(account)
        if not 1 <= max_items <= MAX_FINDINGS_PAGE:
            raise ValidationError(f"must be between 1 and {MAX_FINDINGS_PAGE}", field="MaxItems")
        before = _decode_token(next_token) if next_token else None
        with self._read_uow() as uow:
            found = list(uow.findings.page(account, where, limit=max_items + 1, before=before))
        page = found[:max_items]
        more = len(found) > max_items and page
        return FindingPage(page, _encode_token(page[-1]) if more else None)

    def get(self, *, account: str, finding_id: str) -> Finding:
        """One finding by its id or its ASFF Id; NotFoundError (FindingId) if absent."""
        validate_account_id(account)
        key = _key(finding_id)
        with self._read_uow() as uow:
            found = uow.findings.get(account, key) if key else None
        if found is None:
            raise NotFoundError(f"finding {finding_id!r} not found", field="FindingId")
        return found

    def export(self, *, account: str, where: FindingFilter = ANY_FINDING) -> dict[str, Any]:
        """Every matching finding in ASFF, as GetFindings answers: ``{"Findings": [...]}``."""
        documents: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            page = self.list_findings(account=account, where=where, next_token=token)
            documents.extend(self.document(f) for f in page.findings)
            token = page.next_token
            if token is None:
                return {"Findings": documents}

    def document(self, finding: Finding) -> dict[str, Any]:
        """``finding`` in ASFF."""
        return asff_document(finding, partition=self._arns.partition, region=self._arns.region)

    # -- triage -----------------------------------------------------------------------------

    def update_workflow(
        self,
        *,
        account: str,
        finding_ids: Sequence[str],
        status: WorkflowStatus,
        note: str | None = None,
        updated_by: str = CERTHERD,
    ) -> list[Finding]:
        """Set the workflow status of findings (BatchUpdateFindings), with an optional note;
        all or nothing. Raises ValidationError for a note or author that is empty or over
        512 characters (Note.Text, Note.UpdatedBy), NotFoundError (FindingId) for an
        unknown finding."""
        validate_account_id(account)
        if not finding_ids:
            raise ValidationError("name at least one finding", field="FindingIdentifiers")
        if note is not None and not 1 <= len(note) <= MAX_NOTE:
            raise ValidationError(f"must be 1 to {MAX_NOTE} characters", field="Note.Text")
        if not 1 <= len(updated_by) <= MAX_NOTE:
            raise ValidationError(f"must be 1 to {MAX_NOTE} characters", field="Note.UpdatedBy")
        now = self._clock.now()
        updated: list[Finding] = []
        with self._uow() as uow:
            for finding_id in finding_ids:
                key = _key(finding_id)
                found = uow.findings.get(account, key) if key else None
                if found is None:
                    raise NotFoundError(f"finding {finding_id!r} not found", field="FindingId")
                changed = set_workflow(
                    found,
                    status,
                    note=None if note is None else Note(note, updated_by, now),
                    now=now,
                )
                uow.findings.update(changed)
                updated.append(changed)
            uow.commit()
        return updated


def _key(value: str) -> str | None:
    """The stored id of ``value``: an id, or an ASFF Id ending ``finding/<id>``."""
    candidate = value.rsplit("finding/", 1)[-1] if value.startswith("arn:") else value
    return candidate if _ID_RE.fullmatch(candidate) else None


def _encode_token(last: Finding) -> str:
    raw = f"{last.created_at.isoformat()}|{last.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_token(token: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode()).decode()
        created, separator, finding_id = raw.partition("|")
        if separator and finding_id:
            return require_utc(datetime.fromisoformat(created)), finding_id
    except (binascii.Error, ValueError, UnicodeDecodeError):
        pass
    raise ValidationError("is not a token returned by a previous list call", field="NextToken")
