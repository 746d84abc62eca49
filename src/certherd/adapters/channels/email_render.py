"""Readable notification mail from Jinja2 templates.

Each certificate event (``aws.acm`` and ``certherd`` sources) has its own templates, named
for the event: ``<name>.subject.txt``, ``<name>.txt`` and ``<name>.html`` (for example
``acm-renewal-action-required.html``); any other message uses ``notification.*`` and the
subscription confirmation ``confirmation.*``. Bodies extend ``_layout.txt`` and
``_layout.html``, which end every mail with the topic, the message id and the unsubscribe
link.

Templates come with the package; a file of the same name in the configured templates
directory takes precedence. An override that fails to render is logged and the package's
template is used instead, so a notification is never lost to a template; if even that
fails, a plain mail is built without templates. Whatever the templates write, a
notification mail always carries its unsubscribe link.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Final

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    select_autoescape,
)
from markupsafe import escape

from certherd.adapters.channels.email_context import (
    event_context,
    parse_event,
    parse_moment,
    template_for,
)
from certherd.services.channel_ports import MailContent, RenderInput

__all__ = ["MAX_SUBJECT_LENGTH", "JinjaMailRenderer", "clean_subject"]

_log = logging.getLogger("certherd.channels.email")

#: RFC 5322's limit on a line, which a subject must fit in before folding.
MAX_SUBJECT_LENGTH: Final = 998
_GENERIC: Final = "notification"
_CONFIRMATION: Final = "confirmation"
_UNSUBSCRIBE_TEXT: Final = "To stop receiving these mails, unsubscribe"


def clean_subject(text: str | None) -> str:
    """``text`` as a subject line: line breaks and control characters become spaces, runs
    of white space one space, and it is cut to 998 characters (ending in an ellipsis)."""
    if not text:
        return ""
    flat = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    if len(flat) > MAX_SUBJECT_LENGTH:
        return flat[: MAX_SUBJECT_LENGTH - 1].rstrip() + "\u2026"
    return flat


def _environment(loader: BaseLoader) -> Environment:
    return Environment(
        loader=loader,
        autoescape=select_autoescape(
            enabled_extensions=("html",), default_for_string=False, default=False
        ),
        # A variable a template names but the mail does not have is a broken template (and
        # so falls back to the package's), not a silently empty sentence.
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _topic_name(topic_arn: str) -> str:
    return topic_arn.rsplit(":", 1)[-1] or topic_arn


def _topic_context(topic_arn: str, display_name: str | None) -> dict[str, Any]:
    name = _topic_name(topic_arn)
    return {
        "topic_arn": topic_arn,
        "topic_name": name,
        "topic_display_name": display_name or "",
        "topic_label": display_name or name,
    }


def _pretty(message: str) -> tuple[str, bool]:
    """The message pretty-printed when it is a JSON object or array, and whether it was."""
    try:
        value = json.loads(message)
    except (ValueError, RecursionError):
        return message, False
    if isinstance(value, dict | list):
        return json.dumps(value, indent=2, ensure_ascii=False), True
    return message, False


class JinjaMailRenderer:
    """Writes notification and confirmation mails (the MailRenderer port) from templates:
    the package's, each overridden by a file of the same name in ``templates_dir``."""

    def __init__(self, templates_dir: Path | None = None) -> None:
        package_loader = PackageLoader("certherd.adapters.channels", "email_templates")
        self._package = _environment(package_loader)
        self._templates_dir = templates_dir
        self._overrides: Environment | None = None
        if templates_dir is not None:
            if not templates_dir.is_dir():
                _log.warning(
                    "the mail templates directory %s does not exist; using the built-in "
                    "templates until it does",
                    templates_dir,
                )
            self._overrides = _environment(
                ChoiceLoader([FileSystemLoader(str(templates_dir)), package_loader])
            )

    # -- the port ----------------------------------------------------------------------

    def render_notification(self, notification: RenderInput) -> MailContent:
        """The mail for one notification: the certificate event's own mail when the message
        is one, else a plain one showing the subject and the message. Never raises for a
        template's sake (see the module docstring)."""
        context = {
            **_topic_context(notification.topic_arn, notification.topic_display_name),
            "message_id": notification.message_id,
            "timestamp": notification.timestamp,
            "sent": parse_moment(notification.timestamp),
            "unsubscribe_url": notification.unsubscribe_url,
            "published_subject": notification.subject or "",
        }
        event = parse_event(notification.message)
        stem = template_for(event) if event is not None else None
        if event is not None and stem is not None:
            try:
                mail = self._mail(stem, {**context, **event_context(event)}, notification)
            except Exception:
                _log.exception("the %s mail could not be written; sending a plain one", stem)
            else:
                return mail
        message, is_json = _pretty(notification.message)
        generic = {
            **context,
            "message": notification.message,
            "message_pretty": message,
            "message_is_json": is_json,
            "event": event,
            "detail_type": event["detail-type"] if event is not None else "",
            "resource_arn": _first_resource(event),
        }
        try:
            return self._mail(_GENERIC, generic, notification)
        except Exception:
            _log.exception("the notification mail could not be written from templates")
            return _plain_notification(notification, message)

    def render_confirmation(
        self, *, topic_arn: str, topic_display_name: str | None, confirm_url: str
    ) -> MailContent:
        """The mail asking to confirm a subscription to ``topic_arn`` by ``confirm_url``."""
        context = {**_topic_context(topic_arn, topic_display_name), "confirm_url": confirm_url}
        try:
            subject = clean_subject(self._render(f"{_CONFIRMATION}.subject.txt", context))
            context["subject"] = subject
            return MailContent(
                subject=subject or f"Subscription confirmation: {context['topic_label']}",
                text=self._render(f"{_CONFIRMATION}.txt", context),
                html=self._render(f"{_CONFIRMATION}.html", context),
            )
        except Exception:
            _log.exception("the confirmation mail could not be written from templates")
            return _plain_confirmation(context)

    # -- rendering ---------------------------------------------------------------------

    def _mail(self, stem: str, context: dict[str, Any], notification: RenderInput) -> MailContent:
        subject = clean_subject(notification.subject) or clean_subject(
            self._render(f"{stem}.subject.txt", context)
        )
        subject = subject or f"Notification from {context['topic_label']}"
        context = {**context, "subject": subject}
        text = self._render(f"{stem}.txt", context)
        html = self._render(f"{stem}.html", context)
        return MailContent(
            subject=subject,
            text=_text_with_unsubscribe(text, notification.unsubscribe_url),
            html=_html_with_unsubscribe(html, notification.unsubscribe_url),
        )

    def _render(self, name: str, context: dict[str, Any]) -> str:
        if self._overrides is not None:
            try:
                return self._overrides.get_template(name).render(context)
            except Exception as exc:
                _log.warning(
                    "mail template %s (with the overrides in %s) failed: %s: %s; "
                    "using the built-in template",
                    name,
                    self._templates_dir,
                    type(exc).__name__,
                    exc,
                )
        return self._package.get_template(name).render(context)


def _first_resource(event: dict[str, Any] | None) -> str:
    resources = event.get("resources") if event is not None else None
    if isinstance(resources, list) and resources and isinstance(resources[0], str):
        return resources[0]
    return ""


def _text_with_unsubscribe(text: str, url: str) -> str:
    if not url or url in text:
        return text
    return f"{text.rstrip()}\n\n-- \n{_UNSUBSCRIBE_TEXT}: {url}\n"


def _html_with_unsubscribe(html: str, url: str) -> str:
    escaped = str(escape(url))
    if not url or escaped in html:
        return html
    link = (
        '<p style="font-size:12px;color:#57606a;">To stop receiving these mails, '
        f'<a href="{escaped}" style="color:#0969da;">unsubscribe</a>.</p>'
    )
    end = html.lower().rfind("</body>")
    return html + link if end < 0 else html[:end] + link + html[end:]


def _plain_notification(notification: RenderInput, message: str) -> MailContent:
    """A mail made without templates, for when even the package's fail."""
    topic = _topic_context(notification.topic_arn, notification.topic_display_name)
    subject = clean_subject(notification.subject) or f"Notification from {topic['topic_label']}"
    footer = (
        f"Topic: {topic['topic_label']} ({notification.topic_arn})\n"
        f"Message ID: {notification.message_id}\n"
        f"{_UNSUBSCRIBE_TEXT}: {notification.unsubscribe_url}\n"
    )
    text = f"{message}\n\n-- \n{footer}"
    html = (
        f"<!DOCTYPE html><html><body><h1>{escape(subject)}</h1>"
        f'<pre style="white-space:pre-wrap;">{escape(message)}</pre><hr>'
        f'<pre style="white-space:pre-wrap;">{escape(footer)}</pre>'
        f'<p><a href="{escape(notification.unsubscribe_url)}">Unsubscribe</a></p>'
        "</body></html>"
    )
    return MailContent(subject=subject, text=text, html=html)


def _plain_confirmation(context: dict[str, Any]) -> MailContent:
    subject = f"Subscription confirmation: {context['topic_label']}"
    text = (
        f"You have chosen to subscribe to the topic:\n{context['topic_arn']}\n\n"
        f"To confirm this subscription, visit:\n{context['confirm_url']}\n\n"
        "If you did not ask for this, ignore this mail: nothing is sent until you confirm.\n"
    )
    html = (
        f"<!DOCTYPE html><html><body><h1>{escape(subject)}</h1>"
        f'<pre style="white-space:pre-wrap;">{escape(text)}</pre>'
        f'<p><a href="{escape(context["confirm_url"])}">Confirm subscription</a></p>'
        "</body></html>"
    )
    return MailContent(subject=clean_subject(subject), text=text, html=html)
