"""Domain names and subject alternative names: validation per ACM and conversion to X.509.

ACM's rules: a name is 1-253 characters of dot-separated labels; each label is 1-63
letters, digits and hyphens, not starting or ending with a hyphen; a wildcard is allowed
only as the whole leftmost label (``*.example.com``). Punycode (spec section 1.3): a label
whose third and fourth characters are ``--`` must start with ``xn--``, and an ``xn--``
label must be a valid IDN (it must decode and re-encode to itself). Single-label names
such as ``localhost`` are accepted because private certificates may use them.
"""

from __future__ import annotations

import encodings.idna
import ipaddress
import re
from collections.abc import Iterable, Sequence

from cryptography import x509

from certherd.errors import ValidationError

_LABEL_RE = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_LABEL = re.compile(_LABEL_RE)
# Matches every valid lowercased name without punycode-looking labels: the fast path.
_PLAIN_NAME = re.compile(rf"(?:\*\.)?(?:{_LABEL_RE}\.)*{_LABEL_RE}")
MAX_NAME_LENGTH = 253


def _maybe_ip(value: str) -> bool:
    # Cheap filter so that ordinary DNS names skip ipaddress parsing (it is slow).
    return ":" in value or value.replace(".", "").isdigit()


def _check_punycode(label: str, name: str, field: str) -> None:
    if label[2:4] != "--":
        return
    if not label.startswith("xn--"):
        raise ValidationError(
            f"{name!r}: label {label!r} has '--' in its third and fourth characters, "
            "which is reserved for punycode labels starting with 'xn--'",
            field=field,
        )
    try:
        decoded = label[4:].encode("ascii").decode("punycode")
        valid = encodings.idna.ToASCII(decoded).decode("ascii").lower() == label
    except (UnicodeError, ValueError):
        valid = False
    if not valid:
        raise ValidationError(
            f"{name!r}: label {label!r} is not a valid punycode (IDN) label", field=field
        )


def validate_domain_name(name: str, *, field: str = "DomainName") -> str:
    """Check ``name`` against ACM's domain-name rules and return it lowercased.

    Raises:
        ValidationError: (naming ``field``) the name is empty, too long, not ASCII, an IP
            address, has a misplaced wildcard, a bad label, or an invalid punycode label.
    """
    if not isinstance(name, str):
        raise ValidationError("must be a string", field=field)
    lowered = name.lower()
    if (
        len(lowered) <= MAX_NAME_LENGTH
        and "--" not in lowered
        and _PLAIN_NAME.fullmatch(lowered)
        and not _maybe_ip(lowered)
    ):
        return lowered
    return _validate_slowly(name, lowered, field)


def _validate_slowly(name: str, lowered: str, field: str) -> str:
    # Finds the rule that was broken (or accepts a name with valid punycode labels).
    if not name:
        raise ValidationError("must not be empty", field=field)
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(
            f"{name[:40]!r}... is {len(name)} characters; at most {MAX_NAME_LENGTH} are allowed",
            field=field,
        )
    if not name.isascii():
        raise ValidationError(
            f"{name!r} contains non-ASCII characters; give internationalised names in "
            "their punycode (xn--) form",
            field=field,
        )
    rest = lowered[2:] if lowered.startswith("*.") else lowered
    if "*" in rest:
        raise ValidationError(
            f"{name!r}: a wildcard is only allowed as the whole leftmost label ('*.')",
            field=field,
        )
    if _maybe_ip(rest) and _is_ip(rest):
        raise ValidationError(f"{name!r} is an IP address, not a domain name", field=field)
    for label in rest.split("."):
        if not label:
            raise ValidationError(f"{name!r} has an empty label", field=field)
        if len(label) > 63:
            raise ValidationError(
                f"{name!r}: label {label[:20]!r}... is longer than 63 characters", field=field
            )
        if not _LABEL.fullmatch(label):
            raise ValidationError(
                f"{name!r}: label {label!r} must consist of letters, digits and hyphens "
                "and must not start or end with a hyphen",
                field=field,
            )
        _check_punycode(label, name, field)
    return lowered


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def validate_san(value: str, *, field: str = "SubjectAlternativeNames") -> str:
    """Validate one subject alternative name: an IP address or an ACM domain name.

    Returns the normalised form (compressed IP address, or lowercased domain name).

    Raises:
        ValidationError: (naming ``field``) the value is neither a valid IP address nor a
            valid domain name.
    """
    if isinstance(value, str) and _maybe_ip(value):
        try:
            return ipaddress.ip_address(value).compressed
        except ValueError:
            pass
    return validate_domain_name(value, field=field)


def validate_sans(values: Iterable[str], *, field: str = "SubjectAlternativeNames") -> list[str]:
    """Validate and normalise SANs, dropping duplicates but keeping the first-seen order.

    Raises:
        ValidationError: an entry is invalid (see :func:`validate_san`).
    """
    if isinstance(values, str):
        raise ValidationError("must be a list of names, not a single string", field=field)
    seen: dict[str, None] = {}
    for value in values:
        seen.setdefault(validate_san(value, field=field), None)
    return list(seen)


def to_general_names(sans: Sequence[str]) -> list[x509.GeneralName]:
    """Turn already-validated SANs into X.509 general names (IP addresses or DNS names)."""
    names: list[x509.GeneralName] = []
    for value in sans:
        if _maybe_ip(value):
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(value)))
                continue
            except ValueError:
                pass
        names.append(x509.DNSName(value))
    return names


def sans_of(extensions: x509.Extensions) -> tuple[str, ...]:
    """DNS names and IP addresses of a subjectAltName extension, as strings, in order.

    Other kinds of names (e-mail, URI, directory names, ...) are left out. Returns an empty
    tuple when there is no such extension.
    """
    try:
        san = extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return ()
    return san_strings(san)


def san_strings(general_names: Iterable[x509.GeneralName]) -> tuple[str, ...]:
    """The DNS names and IP addresses among ``general_names`` as strings, in order (what
    :func:`sans_of` reports; other kinds of names are left out)."""
    out: list[str] = []
    for general_name in general_names:
        if isinstance(general_name, x509.DNSName):
            out.append(general_name.value)
        elif isinstance(general_name, x509.IPAddress):
            out.append(str(general_name.value))
    return tuple(out)
