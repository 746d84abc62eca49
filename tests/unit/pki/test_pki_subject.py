"""certherd.pki.subject: the AWS ASN1Subject shape and X.509 names."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from certherd.errors import ValidationError
from certherd.pki import Subject

FULL = {
    "Country": "NL",
    "Organization": "Example BV",
    "OrganizationalUnit": "Ops",
    "DistinguishedNameQualifier": "dnq-1",
    "State": "Noord-Holland",
    "CommonName": "example.com",
    "SerialNumber": "12345",
    "Locality": "Amsterdam",
    "Title": "Dr",
    "Surname": "Jansen",
    "GivenName": "Anna",
    "Initials": "AJ",
    "Pseudonym": "aj",
    "GenerationQualifier": "III",
}


def test_dict_round_trip_through_x509() -> None:
    subject = Subject.from_dict(FULL)
    assert subject.to_dict() == FULL
    name = subject.to_x509_name()
    assert len(name) == len(FULL)
    assert Subject.from_x509_name(name) == subject


def test_to_dict_omits_none_and_x509_order() -> None:
    subject = Subject(common_name="example.com", organization="Org", country="US")
    assert subject.to_dict() == {
        "CommonName": "example.com",
        "Organization": "Org",
        "Country": "US",
    }
    assert subject.to_x509_name().rfc4514_string() == "CN=example.com,O=Org,C=US"


def test_from_x509_name_keeps_first_and_ignores_unknown() -> None:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "first"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "second"),
            x509.NameAttribute(NameOID.EMAIL_ADDRESS, "a@example.com"),
        ]
    )
    assert Subject.from_x509_name(name) == Subject(organizational_unit="first")


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"Colour": "blue"}, "Subject.Colour", "unknown subject attribute"),
        ({"CommonName": "x" * 65}, "Subject.CommonName", "at most 64"),
        ({"Country": "NLD"}, "Subject.Country", "two-letter"),
        ({"Country": "1A"}, "Subject.Country", "two-letter"),
        ({"Locality": "x" * 129}, "Subject.Locality", "at most 128"),
        ({"GivenName": "x" * 17}, "Subject.GivenName", "at most 16"),
        ({"Initials": "ABCDEF"}, "Subject.Initials", "at most 5"),
        ({"GenerationQualifier": "JR.."}, "Subject.GenerationQualifier", "at most 3"),
        ({"SerialNumber": "a_b"}, "Subject.SerialNumber", "may only contain"),
        ({"CommonName": 7}, "Subject.CommonName", "string"),
        ({"CustomAttributes": []}, "Subject.CustomAttributes", "not supported"),
        ({}, "Subject", "at least one"),
        ({"CommonName": ""}, "Subject", "at least one"),
    ],
)
def test_from_dict_rejects(data: dict[str, object], field: str, words: str) -> None:
    with pytest.raises(ValidationError) as info:
        Subject.from_dict(data)
    assert info.value.field == field
    assert words in info.value.message


def test_from_dict_rejects_non_mapping() -> None:
    with pytest.raises(ValidationError):
        Subject.from_dict(["CommonName"])  # type: ignore[arg-type]


def test_to_x509_name_checks_directly_built_subjects() -> None:
    with pytest.raises(ValidationError) as info:
        Subject(country="USA").to_x509_name()
    assert info.value.field == "Subject.Country"


def test_empty_subject() -> None:
    assert Subject().is_empty
    assert len(Subject().to_x509_name()) == 0
    assert not Subject(title="x").is_empty


def test_subject_is_frozen_and_hashable() -> None:
    subject = Subject(common_name="a")
    with pytest.raises(AttributeError):
        subject.common_name = "b"  # type: ignore[misc]
    assert {subject: 1}[Subject(common_name="a")] == 1


@pytest.mark.parametrize("value", ["a\x00b", "line\nbreak", "tab\there"])
def test_control_characters_are_refused(value: str) -> None:
    with pytest.raises(ValidationError) as info:
        Subject.from_dict({"CommonName": value})
    assert info.value.field == "Subject.CommonName"
