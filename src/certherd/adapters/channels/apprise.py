"""The Apprise channel: chat rooms, pagers, mail and the rest, named by an Apprise URL.

Apprise is used as a library only, with a fixed asset: no plugins are loaded from any
directory (the user's home included), no configuration file is read, nothing is written
to disk (persistent storage in memory), no PGP/PEM keys are generated, no images or emoji
substitution, redirects are not followed, and services are notified one after another
(no async mode): :meth:`AppriseNotifier.notify` returns when the send is over or its
timeout has passed.

Apprise reports a failed send in its logs rather than by raising. Each call's own log
entries (Apprise scopes them to the call, so concurrent deliveries in other threads do not
mix in) become the message of the :class:`ChannelError`, with the URL shown in Apprise's
privacy form and any credential of the URL masked. Apprise's records are kept out of the
server's log: the delivery attempt records the failure already.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from urllib.parse import unquote

from apprise import Apprise, AppriseAsset, NotifyBase
from apprise.result import AppriseResultStatus

from certherd.errors import ValidationError
from certherd.services.channel_ports import ChannelError

__all__ = ["AppriseNotifier", "check_apprise_url", "mask_apprise_url"]

_MASK = "****"
_MAX_MESSAGE_CHARS = 1000
# The separators of an URL: what is between them may be a secret (a password, a token).
_URL_PARTS = re.compile(r"[/:@?&=#,;+\s]+")
# Shorter parts (ports, "json", "to") are not worth masking and would garble the message.
_MIN_SECRET_CHARS = 4
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def _quiet_asset(*, timeout_seconds: float) -> AppriseAsset:
    return AppriseAsset(
        plugin_paths=[],
        storage_mode="memory",
        secure_logging=True,
        image_path_mask=False,
        service_timeout=timeout_seconds,
        async_mode=False,
        interpret_emojis=False,
        interpret_escapes=False,
        pgp_autogen=False,
        pem_autogen=False,
        http_redirects=False,
    )


def _scheme_of(url: str) -> str | None:
    match = _SCHEME.match(url)
    return match.group(1).lower() if match else None


def _instantiate(url: str, asset: AppriseAsset) -> NotifyBase | None:
    # Apprise logs an URL it cannot parse in full, credentials included: its logger is
    # kept from propagating for that reason too (see AppriseNotifier).
    return Apprise.instantiate(url, asset=asset, suppress_exceptions=True)


def _private_url(plugin: NotifyBase) -> str:
    """The plugin's URL in Apprise's privacy form (passwords and tokens masked)."""
    # URLBase.url is not annotated in Apprise; its contract is to return the URL string.
    render: Callable[..., object] = plugin.url
    return str(render(privacy=True))


def _hide_apprise_records() -> None:
    logging.getLogger("apprise").propagate = False


def check_apprise_url(url: str) -> str:
    """Check that Apprise has a service for ``url`` and that the URL is complete for it.

    Returns ``url`` without surrounding blanks. Raises ValidationError (field
    ``Endpoint``) naming the scheme when Apprise cannot use the URL; the URL itself is
    never repeated, since it may hold secrets."""
    _hide_apprise_records()
    text = url.strip()
    if not text:
        raise ValidationError("the Apprise URL is empty", field="Endpoint")
    scheme = _scheme_of(text)
    if scheme is None:
        raise ValidationError(
            "the Apprise URL must start with a scheme (such as json:// or mailto://)",
            field="Endpoint",
        )
    if _instantiate(text, _quiet_asset(timeout_seconds=30.0)) is None:
        raise ValidationError(
            f"Apprise has no service for {scheme}:// URLs, or the URL is incomplete for it",
            field="Endpoint",
        )
    return text


def mask_apprise_url(url: str) -> str:
    """``url`` in Apprise's privacy form (passwords, tokens and keys masked), fit to show
    and store. Never raises: an URL Apprise cannot use is reduced to its scheme."""
    _hide_apprise_records()
    text = url.strip()
    plugin = _instantiate(text, _quiet_asset(timeout_seconds=30.0))
    if plugin is None:
        return f"{_scheme_of(text) or 'unknown'}://{_MASK}"
    return _private_url(plugin)


def _mask_secrets(message: str, url: str, shown: str) -> str:
    """``message`` with every part of ``url`` that Apprise's privacy form hides masked.

    A part of the raw URL (between separators) that does not appear in the privacy form
    is what that form hides: a password, a token, a key."""
    visible = unquote(shown)
    secrets = {
        part
        for part in _URL_PARTS.split(unquote(url))
        if len(part) >= _MIN_SECRET_CHARS and part not in visible
    }
    for secret in sorted(secrets, key=len, reverse=True):
        message = message.replace(secret, _MASK)
    return message


class AppriseNotifier:
    """:class:`~certherd.services.channel_ports.AppriseSender` over the Apprise library.

    ``timeout_seconds`` bounds one notification (retries included). Safe to use from
    several threads: every call builds its own Apprise objects."""

    def __init__(self, *, timeout_seconds: float = 30.0) -> None:
        if timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")
        self._timeout_seconds = timeout_seconds
        _hide_apprise_records()

    def check(self, url: str) -> str:
        """See :func:`check_apprise_url`."""
        return check_apprise_url(url)

    def mask(self, url: str) -> str:
        """See :func:`mask_apprise_url`."""
        return mask_apprise_url(url)

    def notify(self, url: str, *, title: str, body: str) -> None:
        """Send one notification (``title``, ``body``) to the Apprise URL ``url``.

        Raises ChannelError: not retryable when Apprise has no service for the URL,
        retryable when the send failed or timed out (the message says why, with the URL's
        credentials masked)."""
        asset = _quiet_asset(timeout_seconds=self._timeout_seconds)
        plugin = _instantiate(url.strip(), asset)
        if plugin is None:
            scheme = _scheme_of(url.strip()) or "(none)"
            raise ChannelError(
                f"Apprise has no service for {scheme}:// URLs, or the URL is incomplete for it",
                retryable=False,
            )
        shown = _private_url(plugin)
        sender = Apprise(asset=asset)
        sender.add(plugin)
        # Entries of WARNING and above only (Apprise's default for a call): its debug
        # entries may repeat the payload.
        with sender.notify(body=body, title=title) as result:
            if result.status == AppriseResultStatus.SUCCESS:
                return
            reasons = "; ".join(dict.fromkeys(entry.message for entry in result.logs()))
            status = result.status
        raise self._failure(status, reasons, url.strip(), shown)

    def _failure(
        self, status: AppriseResultStatus, reasons: str, url: str, shown: str
    ) -> ChannelError:
        if status == AppriseResultStatus.TIMEOUT:
            what = f"timed out after {self._timeout_seconds:g} s"
        else:
            what = "failed"
        # The privacy form lists every option of the service: its query adds only noise.
        message = f"Apprise notification to {shown.split('?', 1)[0]} {what}"
        if reasons:
            message += f": {reasons}"
        message = _mask_secrets(message, url, shown)
        if len(message) > _MAX_MESSAGE_CHARS:
            message = message[: _MAX_MESSAGE_CHARS - 1] + "…"
        return ChannelError(message, retryable=True)
