"""certherd.pki.names: ACM domain-name rules, punycode, SANs."""

from __future__ import annotations

import pytest
from cryptography import x509

from certherd import pki
from certherd.errors import ValidationError
from certherd.pki.names import to_general_names


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("example.com", "example.com"),
        ("WWW.Example.COM", "www.example.com"),
        ("*.example.com", "*.example.com"),
        ("localhost", "localhost"),
        ("a-b.c-d.example", "a-b.c-d.example"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("XN--BCHER-KVA.example", "xn--bcher-kva.example"),
        ("*.xn--55qx5d.cn", "*.xn--55qx5d.cn"),
        ("1host.example", "1host.example"),
        ("a" * 63 + ".com", "a" * 63 + ".com"),
        (".".join(["a" * 62] * 4), ".".join(["a" * 62] * 4)),  # 251 characters
    ],
)
def test_accepts(name: str, expected: str) -> None:
    assert pki.validate_domain_name(name) == expected


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("", "empty"),
        ("ab--c.com", "reserved for punycode"),
        ("xn--zz.example", "not a valid punycode"),
        ("xn--ab-cd.example", "not a valid punycode"),
        ("xn--xn--bcher-kva.example", "not a valid punycode"),
        ("xn--.example", "hyphen"),
        ("-example.com", "hyphen"),
        ("example-.com", "hyphen"),
        ("exa_mple.com", "letters, digits and hyphens"),
        ("example..com", "empty label"),
        ("example.com.", "empty label"),
        ("www.*.example.com", "wildcard"),
        ("*example.com", "wildcard"),
        ("*", "wildcard"),
        ("**.example.com", "wildcard"),
        ("a" * 64 + ".com", "longer than 63"),
        (".".join(["a" * 63] * 4) + ".com", "at most 253"),
        ("bücher.example", "punycode (xn--) form"),
        ("exa mple.com", "letters, digits and hyphens"),
        ("10.0.0.1", "IP address"),
    ],
)
def test_rejects_with_clear_message(name: str, words: str) -> None:
    with pytest.raises(ValidationError) as info:
        pki.validate_domain_name(name, field="DomainName")
    assert info.value.field == "DomainName"
    assert words in info.value.message


def test_rejects_non_string() -> None:
    with pytest.raises(ValidationError, match="string"):
        pki.validate_domain_name(42)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10.0.0.1", "10.0.0.1"),
        ("2001:DB8:0:0::1", "2001:db8::1"),
        ("Example.com", "example.com"),
        ("*.example.com", "*.example.com"),
    ],
)
def test_validate_san(value: str, expected: str) -> None:
    assert pki.validate_san(value) == expected


def test_validate_san_names_field() -> None:
    with pytest.raises(ValidationError) as info:
        pki.validate_san("not a name", field="SubjectAlternativeNames")
    assert info.value.field == "SubjectAlternativeNames"


def test_validate_sans_dedupes_in_order() -> None:
    assert pki.validate_sans(["b.example", "A.example", "a.example", "10.0.0.1"]) == [
        "b.example",
        "a.example",
        "10.0.0.1",
    ]
    with pytest.raises(ValidationError, match="list"):
        pki.validate_sans("example.com")


def test_general_names() -> None:
    names = to_general_names(["example.com", "10.0.0.1", "::1", "1.2.3.4.example"])
    assert [type(n) for n in names] == [x509.DNSName, x509.IPAddress, x509.IPAddress, x509.DNSName]
