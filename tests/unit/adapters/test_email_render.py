"""Readable mail from certificate events and other notifications (JinjaMailRenderer)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from certherd.adapters.channels.email_context import days_left_text
from certherd.adapters.channels.email_render import (
    MAX_SUBJECT_LENGTH,
    JinjaMailRenderer,
    clean_subject,
)
from certherd.domain.certificate import FailureReason
from certherd.domain.event_samples import sample_events
from certherd.services.channel_ports import MailContent, RenderInput

NOW = datetime(2026, 1, 1, tzinfo=UTC)
TOPIC = "arn:aws:sns:us-east-1:123456789012:certificate-alerts"
UNSUBSCRIBE = "https://certherd.test/sns/unsubscribe?SubscriptionArn=a%3Ab&Token=t0k"
CERT_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/61f50cd4-45b9-4259-b049-d0a53682fa4b"
IMPORTED_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/9d3f0c5e-2b71-4b8e-8f53-7a0c3e1f6b24"
CA_ARN = (
    "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/"
    "4f1e0a9c-7d3b-4c62-9a8e-2b5f6d1c3e70"
)
SAMPLES = sample_events(now=NOW)
RENDERER = JinjaMailRenderer()


def _input(message: Any, *, subject: str | None = None) -> RenderInput:
    return RenderInput(
        topic_arn=TOPIC,
        topic_display_name="Certificate alerts",
        subject=subject,
        message=message if isinstance(message, str) else json.dumps(message),
        message_id="6a1b2c3d-0000-4000-8000-000000000001",
        timestamp="2026-01-01T00:00:00.000Z",
        unsubscribe_url=UNSUBSCRIBE,
    )


def _render(message: Any, *, subject: str | None = None) -> MailContent:
    return RENDERER.render_notification(_input(message, subject=subject))


def _event(detail_type: str, **detail: Any) -> dict[str, Any]:
    event = json.loads(json.dumps(SAMPLES[detail_type]))
    event["detail"].update(detail)
    return event


class _Balance(HTMLParser):
    """Checks that every element opened is closed, in order."""

    VOID = frozenset({"meta", "br", "hr", "img", "input", "link"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open[-1:]}"
        self.open.pop()


def _check_html(html: str) -> None:
    assert html.lstrip().startswith("<!DOCTYPE html>")
    parser = _Balance()
    parser.feed(html)
    parser.close()
    assert parser.open == []
    # Self-contained: nothing fetched from elsewhere.
    assert not parser.tags & {"img", "link", "script", "iframe", "style"}
    assert "src=" not in html
    assert "url(" not in html


def _check_footer(mail: MailContent) -> None:
    assert TOPIC in mail.text
    assert "6a1b2c3d-0000-4000-8000-000000000001" in mail.text
    assert UNSUBSCRIBE in mail.text
    assert TOPIC in mail.html
    assert "6a1b2c3d-0000-4000-8000-000000000001" in mail.html
    assert 'href="https://certherd.test/sns/unsubscribe?SubscriptionArn=a%3Ab&amp;Token=t0k"' in (
        mail.html
    )


# -- every sample event ---------------------------------------------------------------------


@pytest.mark.parametrize("detail_type", list(SAMPLES))
def test_every_sample_event_gets_a_complete_mail(detail_type: str) -> None:
    mail = _render(SAMPLES[detail_type])

    assert mail.subject
    assert "\n" not in mail.subject
    assert not mail.subject.startswith(detail_type)  # its own wording, not the generic one
    assert "WHAT TO DO" in mail.text
    assert "What to do" in mail.html
    assert "certherd " in mail.text  # a concrete command
    resource = SAMPLES[detail_type]["detail"].get("RuleArn", SAMPLES[detail_type]["resources"][0])
    assert resource in mail.text
    assert resource in mail.html
    _check_html(mail.html)
    _check_footer(mail)


def test_approaching_expiration_says_when_and_how_to_renew() -> None:
    mail = _render(SAMPLES["ACM Certificate Approaching Expiration"])

    assert mail.subject == "Certificate expiring: www.example.com (31 days left)"
    assert "31 days left" in mail.text
    assert "around Sunday 1 February 2026" in mail.text
    assert f"certherd cert renew {CERT_ARN}" in mail.text
    assert f"certherd cert renew {CERT_ARN}" in mail.html
    assert "www.example.com: 31 days left" in mail.html


def test_approaching_expiration_of_an_imported_certificate_says_reimport() -> None:
    event = _event(
        "ACM Certificate Approaching Expiration", CertificateKeyPairOrigin="CUSTOMER_PROVIDED"
    )

    mail = _render(event)

    assert "cannot renew an imported certificate" in mail.text
    assert f"certherd cert import --arn {CERT_ARN}" in mail.text
    assert "certherd cert renew" not in mail.text


def test_expired_says_it_expired_and_to_replace_it() -> None:
    mail = _render(SAMPLES["ACM Certificate Expired"])

    assert mail.subject == "Certificate expired: www.example.com"
    assert "Wednesday 31 December 2025, 23:55 UTC" in mail.text
    assert "expired less than a day ago" in mail.text
    assert "certherd cert request www.example.com --ca CA_ARN" in mail.text
    assert "It is recorded as in use" in mail.text


def test_available_says_what_made_it_and_how_to_install_it() -> None:
    mail = _render(SAMPLES["ACM Certificate Available"])

    assert mail.subject == "Certificate issued: www.example.com (valid until 2027-01-31)"
    assert "395 days left" in mail.text
    assert f"certherd cert export {CERT_ARN}" in mail.text

    renewed = _render(_event("ACM Certificate Available", Action="RENEWAL"))
    assert renewed.subject.startswith("Certificate renewed: www.example.com")
    assert "keeps its ARN" in renewed.text


def test_renewal_action_required_explains_the_reason_and_the_fix() -> None:
    mail = _render(SAMPLES["ACM Certificate Renewal Action Required"])

    assert mail.subject == "Renewal action required: www.example.com (30 days left)"
    for body in (mail.text, mail.html):
        assert "PCA_ACCESS_DENIED" in body
        assert "has not given the certificate" in body
        assert "certherd ca permission create CA_ARN --principal acm.amazonaws.com" in body
        assert f"certherd cert renew {CERT_ARN}" in body
        assert f"certherd cert describe {CERT_ARN}" in body
        assert "30 days left" in body


@pytest.mark.parametrize("reason", [*FailureReason, "PENDING_DOMAIN_VALIDATION", "NEW_REASON"])
def test_every_renewal_reason_is_explained(reason: str) -> None:
    event = _event("ACM Certificate Renewal Action Required", RenewalStatusReason=str(reason))

    mail = _render(event)

    assert f"({reason})" in mail.text
    assert "1. " in mail.text  # at least one step
    assert "{arn}" not in mail.text
    assert "{name}" not in mail.text


def test_invalid_state_reason_says_the_ca_is_not_active() -> None:
    event = _event(
        "ACM Certificate Renewal Action Required", RenewalStatusReason="PCA_INVALID_STATE"
    )

    mail = _render(event)

    assert "is not ACTIVE" in mail.text
    assert "certherd ca enable CA_ARN" in mail.text


def test_revoked_says_what_revocation_means() -> None:
    mail = _render(SAMPLES["ACM Certificate Revoked"])

    assert mail.subject == "Certificate revoked: www.example.com"
    assert "revocation list" in mail.text
    assert "Monday 20 July 2026" in mail.text
    assert f"certherd cert delete {CERT_ARN}" in mail.text


def test_imported_certificate_expired_says_reimport() -> None:
    mail = _render(SAMPLES["Imported Certificate Expired"])

    assert mail.subject == "Imported certificate expired: legacy.example.com"
    assert f"certherd cert import --arn {IMPORTED_ARN}" in mail.text
    assert "does not renew" in mail.text


def test_authority_approaching_expiration_says_how_to_replace_it() -> None:
    mail = _render(SAMPLES["Certificate Authority Approaching Expiration"])

    assert mail.subject == "Certificate authority expiring: Example Issuing CA (90 days left)"
    assert CA_ARN in mail.text
    assert "Wednesday 1 April 2026" in mail.text
    assert "--type SUBORDINATE" in mail.text
    assert f"certherd cert list --ca {CA_ARN}" in mail.text

    root = _render(_event("Certificate Authority Approaching Expiration", Type="ROOT"))
    assert "--type ROOT" in root.text
    assert "trust store" in root.text


def test_dead_lettered_delivery_names_rule_target_and_error() -> None:
    mail = _render(SAMPLES["Event Delivery Dead-Lettered"])

    assert mail.subject == "Event delivery failed: rule certificate-expiry (NO_RESOURCE)"
    for body in (mail.text, mail.html):
        assert "arn:aws:sns:us-east-1:123456789012:certificate-alerts" in body
        assert "0b6c2b0a-8a55-4e55-9d6b-7e1a4cfb21a3" in body
        assert "The topic does not exist." in body
        assert "certherd events invocations --state dead_lettered" in body
        assert "certherd rule target list certificate-expiry" in body


def test_dead_lettered_on_another_bus_names_the_bus() -> None:
    event = _event(
        "Event Delivery Dead-Lettered",
        RuleArn="arn:aws:events:us-east-1:123456789012:rule/payments/expiry",
        ExhaustedRetryCondition="MaximumRetryAttempts",
    )

    mail = _render(event)

    assert "certherd rule target list expiry --bus payments" in mail.text
    assert "retry attempts ran out" in mail.text


# -- subjects, escaping, odd events ---------------------------------------------------------------


def test_the_published_subject_wins_and_is_one_clean_line() -> None:
    mail = _render(SAMPLES["ACM Certificate Expired"], subject="Heads up\r\nBcc: x@example.com")

    assert mail.subject == "Heads up Bcc: x@example.com"
    assert "www.example.com has expired" in mail.html


def test_subjects_are_cut_to_998_characters() -> None:
    mail = _render("hello", subject="x" * 5000)

    assert len(mail.subject) == MAX_SUBJECT_LENGTH
    assert clean_subject("a\tb\u2028c  d") == "a b c d"


def test_event_values_are_escaped_in_html() -> None:
    event = _event(
        "ACM Certificate Renewal Action Required",
        CommonName="<script>alert(1)</script>.example.com",
    )

    mail = _render(event)

    assert "<script>" not in mail.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.example.com" in mail.html
    assert "<script>alert(1)</script>.example.com" in mail.text
    _check_html(mail.html)


def test_an_event_missing_its_fields_still_gets_its_mail() -> None:
    event = {**SAMPLES["ACM Certificate Renewal Action Required"], "detail": {}}

    mail = _render(event)

    assert mail.subject.startswith("Renewal action required:")
    assert "The renewal failed" in mail.text
    _check_footer(mail)


# -- other messages ---------------------------------------------------------------------------


def test_a_plain_message_gets_a_plain_mail() -> None:
    mail = _render("Deploy finished.\n<b>all good</b>")

    assert mail.subject == "Notification from Certificate alerts"
    assert "Deploy finished.\n<b>all good</b>" in mail.text
    assert "&lt;b&gt;all good&lt;/b&gt;" in mail.html
    _check_html(mail.html)
    _check_footer(mail)


def test_a_json_message_is_pretty_printed() -> None:
    mail = _render({"status": "ok", "items": [1, 2]}, subject="Report")

    assert mail.subject == "Report"
    assert '{\n  "status": "ok",\n  "items": [\n    1,\n    2\n  ]\n}' in mail.text
    assert "&#34;status&#34;: &#34;ok&#34;" in mail.html


def test_an_event_of_another_source_gets_the_generic_mail() -> None:
    event = {
        **SAMPLES["ACM Certificate Expired"],
        "source": "my.app",
        "detail-type": "Deployment Finished",
    }

    mail = _render(event)

    assert mail.subject == f"Deployment Finished: {CERT_ARN}"
    assert '"source": "my.app"' in mail.text


def test_confirmation_mail() -> None:
    url = "https://certherd.test/sns/confirm?TopicArn=arn%3Aaws%3Asns&Token=abc"

    mail = RENDERER.render_confirmation(
        topic_arn=TOPIC, topic_display_name="Alerts <prod>", confirm_url=url
    )

    assert mail.subject == "Subscription confirmation: Alerts <prod>"
    assert url in mail.text
    assert TOPIC in mail.text
    assert "If you did not ask for this, ignore this mail" in mail.text
    assert url.replace("&", "&amp;") in mail.html
    assert "Alerts &lt;prod&gt;" in mail.html
    _check_html(mail.html)


# -- overrides and fallbacks ----------------------------------------------------------------------


def test_templates_in_the_directory_take_precedence(tmp_path: Path) -> None:
    (tmp_path / "acm-expired.subject.txt").write_text("EXPIRED {{ certificate.common_name }}")
    (tmp_path / "acm-expired.txt").write_text(
        '{% extends "_layout.txt" %}{% block body %}Gone: {{ certificate.arn }}{% endblock %}'
    )
    renderer = JinjaMailRenderer(tmp_path)

    mail = renderer.render_notification(_input(SAMPLES["ACM Certificate Expired"]))

    assert mail.subject == "EXPIRED www.example.com"
    assert mail.text.startswith(f"Gone: {CERT_ARN}")
    _check_footer(mail)  # the package's layout still ends it
    assert "What to do" in mail.html  # not overridden: the package's
    revoked = renderer.render_notification(_input(SAMPLES["ACM Certificate Revoked"]))
    assert revoked.subject == "Certificate revoked: www.example.com"


@pytest.mark.parametrize(
    "broken",
    ["{% if %}", "{{ no_such_variable }}", "{{ certificate.common_name | no_such_filter }}"],
)
def test_a_broken_override_falls_back_to_the_package_template(
    tmp_path: Path, broken: str, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "acm-renewal-action-required.txt").write_text(broken)
    event = SAMPLES["ACM Certificate Renewal Action Required"]

    with caplog.at_level(logging.WARNING, logger="certherd.channels.email"):
        mail = JinjaMailRenderer(tmp_path).render_notification(_input(event))

    assert mail == RENDERER.render_notification(_input(event))
    assert "acm-renewal-action-required.txt" in caplog.text


def test_a_broken_override_of_the_layout_falls_back_too(tmp_path: Path) -> None:
    (tmp_path / "_layout.html").write_text("{% block body %}{% endblock %}{{ missing }}")

    mail = JinjaMailRenderer(tmp_path).render_notification(_input("hello"))

    _check_html(mail.html)
    _check_footer(mail)


def test_an_override_without_the_unsubscribe_link_gets_it_added(tmp_path: Path) -> None:
    (tmp_path / "notification.txt").write_text("{{ message }}")
    (tmp_path / "notification.html").write_text("<html><body>{{ message }}</body></html>")

    mail = JinjaMailRenderer(tmp_path).render_notification(_input("hello"))

    assert mail.text.startswith("hello")
    assert UNSUBSCRIBE in mail.text
    assert mail.html.endswith("</body></html>")
    assert "Token=t0k" in mail.html


def test_when_no_template_works_a_plain_mail_is_still_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fail(self: JinjaMailRenderer, name: str, context: dict[str, Any]) -> str:
        raise RuntimeError("templates unavailable")

    monkeypatch.setattr(JinjaMailRenderer, "_render", fail)

    mail = _render(SAMPLES["ACM Certificate Expired"])
    confirmation = JinjaMailRenderer().render_confirmation(
        topic_arn=TOPIC, topic_display_name=None, confirm_url="https://certherd.test/c?x=1"
    )

    assert mail.subject == "Notification from Certificate alerts"
    assert '"CommonName": "www.example.com"' in mail.text
    _check_footer(mail)
    assert "https://certherd.test/c?x=1" in confirmation.text


# -- words ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "expired", "text"),
    [
        (31, False, "31 days left"),
        (1, False, "1 day left"),
        (0, False, "less than a day left"),
        (0, True, "expired less than a day ago"),
        (-1, False, "expired 1 day ago"),
        (-3, True, "expired 3 days ago"),
        (None, False, ""),
    ],
)
def test_days_left_in_words(days: int | None, expired: bool, text: str) -> None:
    assert days_left_text(days, expired=expired) == text
