"""Certificate subjects: the AWS ``ASN1Subject`` shape and its X.509 name.

Length limits follow the AWS Private CA API model (``ASN1Subject``): Country is exactly two
letters; CommonName, Organization, OrganizationalUnit, Title, SerialNumber and
DistinguishedNameQualifier at most 64 characters; State, Locality and Pseudonym at most 128;
Surname 40, GivenName 16, Initials 5, GenerationQualifier 3. SerialNumber and
DistinguishedNameQualifier are PrintableStrings. An empty string means "absent", as the AWS
model allows zero-length values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID

from certherd.errors import ValidationError

# (python attribute, AWS key, OID, max length); the tuple order is the DER order we write,
# most significant first, so RFC 4514 strings read "CN=...,OU=...,O=...,L=...,ST=...,C=...".
_ATTRIBUTES: tuple[tuple[str, str, x509.ObjectIdentifier, int], ...] = (
    ("country", "Country", NameOID.COUNTRY_NAME, 2),
    ("state", "State", NameOID.STATE_OR_PROVINCE_NAME, 128),
    ("locality", "Locality", NameOID.LOCALITY_NAME, 128),
    ("organization", "Organization", NameOID.ORGANIZATION_NAME, 64),
    ("organizational_unit", "OrganizationalUnit", NameOID.ORGANIZATIONAL_UNIT_NAME, 64),
    ("distinguished_name_qualifier", "DistinguishedNameQualifier", NameOID.DN_QUALIFIER, 64),
    ("title", "Title", NameOID.TITLE, 64),
    ("surname", "Surname", NameOID.SURNAME, 40),
    ("given_name", "GivenName", NameOID.GIVEN_NAME, 16),
    ("initials", "Initials", NameOID.INITIALS, 5),
    ("generation_qualifier", "GenerationQualifier", NameOID.GENERATION_QUALIFIER, 3),
    ("pseudonym", "Pseudonym", NameOID.PSEUDONYM, 128),
    ("serial_number", "SerialNumber", NameOID.SERIAL_NUMBER, 64),
    ("common_name", "CommonName", NameOID.COMMON_NAME, 64),
)
_BY_KEY = {key: (attr, oid, limit) for attr, key, oid, limit in _ATTRIBUTES}
_BY_OID = {oid: attr for attr, _key, oid, _limit in _ATTRIBUTES}
_PRINTABLE = re.compile(r"[a-zA-Z0-9'()+\-.?:/= ]*")
_PRINTABLE_ATTRS = frozenset({"serial_number", "distinguished_name_qualifier"})
_COUNTRY = re.compile(r"[A-Za-z]{2}")


@dataclass(frozen=True, slots=True)
class Subject:
    """A certificate subject with the fields of AWS ``ASN1Subject`` (all optional)."""

    country: str | None = None
    organization: str | None = None
    organizational_unit: str | None = None
    distinguished_name_qualifier: str | None = None
    state: str | None = None
    common_name: str | None = None
    serial_number: str | None = None
    locality: str | None = None
    title: str | None = None
    surname: str | None = None
    given_name: str | None = None
    initials: str | None = None
    pseudonym: str | None = None
    generation_qualifier: str | None = None

    @property
    def is_empty(self) -> bool:
        """True when no attribute has a value."""
        return not any(getattr(self, f.name) for f in fields(self))

    def check(self, *, field: str = "Subject") -> None:
        """Check every attribute against the AWS length and character rules.

        Raises:
            ValidationError: (field ``<field>.<AwsKey>``) a value is too long, not a
                string, a Country that is not two letters, or a SerialNumber /
                DistinguishedNameQualifier with characters outside PrintableString, or a
                value with control characters.
        """
        self._attributes(field)

    def _attributes(self, field: str) -> list[x509.NameAttribute[str]]:
        out: list[x509.NameAttribute[str]] = []
        for attr, key, oid, limit in _ATTRIBUTES:
            value = getattr(self, attr)
            if not value:
                continue
            where = f"{field}.{key}"
            if not isinstance(value, str):
                raise ValidationError("must be a string", field=where)
            if attr == "country":
                if not _COUNTRY.fullmatch(value):
                    raise ValidationError(
                        f"{value!r} must be a two-letter country code", field=where
                    )
            elif len(value) > limit:
                raise ValidationError(
                    f"is {len(value)} characters long; at most {limit} are allowed", field=where
                )
            elif not value.isprintable():
                raise ValidationError("must not contain control characters", field=where)
            elif attr in _PRINTABLE_ATTRS and not _PRINTABLE.fullmatch(value):
                raise ValidationError(
                    f"{value!r} may only contain letters, digits, spaces and ' ( ) + - . ? : / =",
                    field=where,
                )
            out.append(x509.NameAttribute(oid, value))
        return out

    def to_x509_name(self) -> x509.Name:
        """The X.509 name for this subject (empty attributes are left out).

        Raises:
            ValidationError: an attribute breaks a rule (see :meth:`check`).
        """
        return x509.Name(self._attributes("Subject"))

    @classmethod
    def from_x509_name(cls, name: x509.Name) -> Subject:
        """The subject fields found in ``name``.

        The first value of each attribute type is kept; attribute types outside
        ``ASN1Subject`` (e-mail address, domain components, ...) are left out. No limits are
        checked, so any certificate's subject can be described. Never raises.
        """
        values: dict[str, str] = {}
        for attribute in name:
            attr = _BY_OID.get(attribute.oid)
            if attr is None or attr in values:
                continue
            value = attribute.value
            values[attr] = value if isinstance(value, str) else value.decode("latin-1")
        return cls(**values)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, field: str = "Subject") -> Subject:
        """Build a subject from an AWS ``ASN1Subject`` dict (PascalCase keys).

        Raises:
            ValidationError: (field ``Subject.<Key>``) an unknown key, a value that is not a
                string or breaks a rule (see :meth:`check`); (field ``Subject``) the input
                is not a mapping or sets no attribute at all.
        """
        if not isinstance(data, Mapping):
            raise ValidationError("must be an object of subject attributes", field=field)
        values: dict[str, str] = {}
        for key, value in data.items():
            if key == "CustomAttributes":
                raise ValidationError("custom attributes are not supported", field=f"{field}.{key}")
            known = _BY_KEY.get(key)
            if known is None:
                allowed = ", ".join(k for _a, k, _o, _l in _ATTRIBUTES)
                raise ValidationError(
                    f"unknown subject attribute; allowed: {allowed}", field=f"{field}.{key}"
                )
            if value is None:
                continue
            if not isinstance(value, str):
                raise ValidationError("must be a string", field=f"{field}.{key}")
            if value:
                values[known[0]] = value
        subject = cls(**values)
        if subject.is_empty:
            raise ValidationError("must set at least one attribute (e.g. CommonName)", field=field)
        subject.check(field=field)
        return subject

    def to_dict(self) -> dict[str, str]:
        """The AWS ``ASN1Subject`` dict (PascalCase keys), leaving out absent attributes."""
        by_attr = {attr: key for attr, key, _oid, _limit in _ATTRIBUTES}
        return {by_attr[f.name]: value for f in fields(self) if (value := getattr(self, f.name))}
