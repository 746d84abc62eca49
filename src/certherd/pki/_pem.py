"""Splitting PEM text into blocks, in linear time and with messages naming the field."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InternalError, UnsupportedAlgorithm

from certherd.errors import ValidationError

#: What ``cryptography`` raises for malformed or unsupported input (found by fuzzing: not
#: all of these are ValueErrors).
PARSE_ERRORS: tuple[type[Exception], ...] = (
    ValueError,
    TypeError,
    UnsupportedAlgorithm,
    InternalError,
    x509.InvalidVersion,
    x509.DuplicateExtension,
    x509.UnsupportedGeneralNameType,
)

_BEGIN = b"-----BEGIN "
_DASHES = b"-----"
_LABEL = re.compile(rb"[A-Z0-9][A-Z0-9 ]{0,60}")


@dataclass(frozen=True, slots=True)
class PemBlock:
    """One ``-----BEGIN <label>----- ... -----END <label>-----`` block, markers included."""

    label: str
    text: bytes


def as_bytes(data: object, field: str) -> bytes:
    """``data`` as bytes; text is accepted if it is ASCII.

    Raises:
        ValidationError: anything other than bytes-like or ASCII text.
    """
    if isinstance(data, bytes):
        return data
    if isinstance(data, bytearray | memoryview):
        return bytes(data)
    if isinstance(data, str) and data.isascii():
        return data.encode("ascii")
    raise ValidationError("must be PEM-encoded bytes", field=field)


def looks_like_der(data: bytes) -> bool:
    """True when ``data`` starts like a DER SEQUENCE (binary, not PEM)."""
    return data[:1] == b"\x30"


def pem_blocks(data: bytes, field: str) -> list[PemBlock]:
    """All PEM blocks in ``data`` in order; text outside blocks is ignored.

    Raises:
        ValidationError: a malformed BEGIN line or a block without its END line.
    """
    blocks: list[PemBlock] = []
    position = 0
    while (start := data.find(_BEGIN, position)) != -1:
        label_start = start + len(_BEGIN)
        label_end = data.find(_DASHES, label_start)
        label = data[label_start:label_end] if label_end != -1 else b""
        if not _LABEL.fullmatch(label):
            raise ValidationError("contains a malformed PEM BEGIN line", field=field)
        end_marker = b"-----END " + label + _DASHES
        end = data.find(end_marker, label_end)
        if end == -1:
            raise ValidationError(
                f"has a '-----BEGIN {label.decode()}-----' line without its END line", field=field
            )
        position = end + len(end_marker)
        blocks.append(PemBlock(label.decode("ascii"), data[start:position]))
    return blocks
