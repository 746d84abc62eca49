"""Which endpoints HTTP destinations may call, once names are resolved.

:func:`check_on_create` refuses, naming the field, an endpoint whose host as written is
refused (:func:`~certherd.domain.api_destinations.endpoint_refusal`) or that already
resolves to a refused address; a name that does not resolve yet is accepted (it is checked
again before every call). :func:`resolved_refusal` is that check before a call: every
address the host resolves to must be allowed.

The check and the connection resolve the name separately, so a name whose records change
between the two (DNS rebinding) could still reach a refused address; a short TTL attack of
that kind needs control of the destination's DNS.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from certherd.domain.api_destinations import address_refusal, endpoint_host, endpoint_refusal
from certherd.errors import ValidationError
from certherd.services.destination_ports import Resolver

__all__ = ["check_on_create", "resolved_refusal"]


def _port(url: str) -> int:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    return port or (443 if parts.scheme.lower() == "https" else 80)


def resolved_refusal(url: str, *, resolver: Resolver, allow_private: bool) -> str | None:
    """Why ``url`` may not be called now (its host as written, then each address it resolves
    to), or None. Raises OSError when the host does not resolve."""
    refusal = endpoint_refusal(url, allow_private=allow_private)
    if refusal is not None:
        return refusal
    for address in resolver.resolve(endpoint_host(url), _port(url)):
        refusal = address_refusal(address, allow_private=allow_private)
        if refusal is not None:
            return f"{endpoint_host(url)} resolves to {refusal}"
    return None


def check_on_create(url: str, *, resolver: Resolver, allow_private: bool, field: str) -> None:
    """Raise ValidationError naming ``field`` when ``url`` is refused (see the module)."""
    try:
        refusal = resolved_refusal(url, resolver=resolver, allow_private=allow_private)
    except OSError:
        refusal = endpoint_refusal(url, allow_private=allow_private)
    if refusal is not None:
        raise ValidationError(refusal, field=field)
