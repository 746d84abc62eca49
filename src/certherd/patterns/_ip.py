"""IP addresses and CIDR blocks the way event-ruler reads them (``CIDR.java``).

A string is an IP address only if it looks like one (event-ruler's two regular
expressions) and then parses; IPv4-mapped IPv6 addresses count as IPv4 (Java's
``InetAddress`` returns an ``Inet4Address`` for them). A CIDR block keeps the address as
written as its bottom (event-ruler does not zero the host bits) and sets every host bit
for its top. Addresses are returned as ``(bits, value)`` with bits 32 or 128.
"""

from __future__ import annotations

import ipaddress
import re

__all__ = ["parse_cidr", "parse_ip"]

_V4 = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")
_V6 = re.compile(r"[0-9a-fA-F:]*:[0-9a-fA-F:]*")
_JAVA_INT = re.compile(r"[+-]?[0-9]+")


def _looks_like_ip(text: str) -> bool:
    return _V4.fullmatch(text) is not None or _V6.fullmatch(text) is not None


def _to_ip(text: str) -> tuple[int, int] | None:
    if _V4.fullmatch(text):
        try:
            return 32, int(ipaddress.IPv4Address(text))
        except ValueError:
            return None
    try:
        address = ipaddress.IPv6Address(text)
    except ValueError:
        return None
    mapped = address.ipv4_mapped
    if mapped is not None:
        return 32, int(mapped)
    return 128, int(address)


def parse_ip(text: str) -> tuple[int, int] | None:
    """``(bits, value)`` when ``text`` is an IPv4 or IPv6 address literal, else ``None``."""
    if not text or (":" not in text and "." not in text):
        return None
    if not _looks_like_ip(text):
        return None
    return _to_ip(text)


def _java_split(text: str) -> list[str]:
    parts = text.split("/")
    while len(parts) > 1 and parts[-1] == "":
        parts.pop()
    return parts


def parse_cidr(text: str) -> tuple[int, int, int]:
    """``(bits, bottom, top)`` for a CIDR block.

    Raises ``ValueError`` whose message is event-ruler's reason (``Malformed CIDR, one '/'
    required``, ``Nonstandard IP address: <ip>``, ...).
    """
    parts = _java_split(text)
    if len(parts) != 2:
        raise ValueError("Malformed CIDR, one '/' required")
    if not _JAVA_INT.fullmatch(parts[1]) or not -(2**31) <= int(parts[1]) < 2**31:
        raise ValueError("Malformed CIDR, mask bits must be an integer")
    mask = int(parts[1])
    if mask < 0:
        raise ValueError("Malformed CIDR, mask bits must not be negative")
    ip = parts[0]
    parsed = None
    if _looks_like_ip(ip):
        parsed = _to_ip(ip)
        if parsed is None:
            raise ValueError(f"Invalid IP address: {ip}")
    if parsed is None:
        raise ValueError(f"Nonstandard IP address: {ip}")
    bits, value = parsed
    if bits == 32 and mask > 31:
        raise ValueError("IPv4 mask bits must be < 32")
    if bits == 128 and mask > 127:
        raise ValueError("IPv6 mask bits must be < 128")
    host = (1 << (bits - mask)) - 1
    return bits, value, value | host
