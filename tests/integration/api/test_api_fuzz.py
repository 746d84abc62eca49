"""Random bytes and text where PEM is expected: always a 400 problem, never a 500, and
nothing stored."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import pytest
from apitest_support import Api, assert_problem, cert_pem, csr_pem, ec_key, key_pem, self_signed
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)

_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)
_latin = st.binary(max_size=300).map(lambda b: b.decode("latin-1"))
_label = st.sampled_from(
    [
        "CERTIFICATE",
        "PRIVATE KEY",
        "EC PRIVATE KEY",
        "RSA PRIVATE KEY",
        "ENCRYPTED PRIVATE KEY",
        "CERTIFICATE REQUEST",
        "NEW CERTIFICATE REQUEST",
        "PUBLIC KEY",
        "X509 CRL",
    ]
)


def _pem(label: str, data: bytes) -> str:
    body = base64.b64encode(data).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)] or [""]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"


_wrapped = st.builds(_pem, _label, st.binary(max_size=400))
_der_prefix = st.builds(  # random bytes behind a plausible DER SEQUENCE header
    lambda label, n, rest: _pem(label, bytes([0x30, 0x82, n >> 8, n & 0xFF]) + rest),
    _label,
    st.integers(0, 0xFFFF),
    st.binary(max_size=300),
)
GARBAGE = st.one_of(_text, _latin, _wrapped, _der_prefix)


def _mutate(der: bytes, position: int, value: int, cut: int) -> bytes:
    data = bytearray(der)
    data[position % len(data)] ^= value or 1
    return bytes(data[: max(1, len(data) - cut)])


@pytest.fixture
def valid(api: Api) -> dict[str, Any]:
    key = ec_key()
    cert = self_signed(key, "fuzz.example.com", not_before=api.clock.now() - timedelta(hours=1))
    return {
        "Certificate": cert_pem(cert),
        "PrivateKey": key_pem(key),
        "der": cert.public_bytes(serialization.Encoding.DER),
    }


@given(
    which=st.sampled_from(["Certificate", "PrivateKey", "CertificateChain"]),
    garbage=GARBAGE,
    also_garbage=st.one_of(st.none(), GARBAGE),
)
@FUZZ
def test_random_import_material_is_400(
    api: Api, valid: dict[str, Any], which: str, garbage: str, also_garbage: str | None
) -> None:
    body = {"Certificate": valid["Certificate"], "PrivateKey": valid["PrivateKey"], which: garbage}
    if also_garbage is not None:
        other = "PrivateKey" if which == "Certificate" else "Certificate"
        body[other] = also_garbage
    if which == "CertificateChain" and not garbage.strip() and also_garbage is None:
        return  # an empty chain means "no chain": a valid import
    response = api.post("/v1/certificates/import", json=body)
    problem = assert_problem(response, 400)
    assert problem["field"] in ("Certificate", "PrivateKey", "CertificateChain")
    assert api.count() == 0


@given(position=st.integers(0, 10_000), value=st.integers(0, 255), cut=st.integers(0, 3))
@FUZZ
def test_damaged_certificates_never_fail_the_server(
    api: Api, valid: dict[str, Any], position: int, value: int, cut: int
) -> None:
    damaged = _pem("CERTIFICATE", _mutate(valid["der"], position, value, cut))
    before = api.count()
    response = api.post(
        "/v1/certificates/import",
        json={"Certificate": damaged, "PrivateKey": valid["PrivateKey"]},
    )
    # A flipped bit in the signature may still parse (an import checks no self-signature).
    assert response.status_code in (201, 400), response.text
    if response.status_code == 400:
        assert_problem(response, 400)
        assert api.count() == before


@given(csr=GARBAGE)
@FUZZ
def test_random_csrs_are_400(api: Api, root: dict[str, Any], csr: str) -> None:
    response = api.post(
        f"/v1/certificate-authorities/{root['Id']}/issue", json={"Csr": csr, "ValidityInDays": 30}
    )
    assert_problem(response, 400, field="Csr")


@given(position=st.integers(0, 10_000), value=st.integers(0, 255), cut=st.integers(0, 3))
@FUZZ
def test_damaged_csrs_are_400(
    api: Api, root: dict[str, Any], position: int, value: int, cut: int
) -> None:
    good = x509.load_pem_x509_csr(csr_pem(ec_key(), "device.example.com").encode())
    damaged = _pem(
        "CERTIFICATE REQUEST",
        _mutate(good.public_bytes(serialization.Encoding.DER), position, value, cut),
    )
    response = api.post(
        f"/v1/certificate-authorities/{root['Id']}/issue",
        json={"Csr": damaged, "ValidityInDays": 30},
    )
    # The self-signature covers every byte that matters, so damage is always noticed.
    assert response.status_code in (201, 400), response.text
    if response.status_code == 400:
        assert_problem(response, 400)


def test_unstorable_strings_are_400(api: Api, root: dict[str, Any]) -> None:
    """NUL and unpaired surrogates (valid JSON escapes) are refused before any service."""
    cid = api.request_certificate(root["Arn"]).rsplit("/", 1)[-1]
    for escaped in ("\\u0000", "\\ud800", "a\\udfffb"):
        _post_unstorable(api, cid, escaped)
    assert api.describe(cid)["InUseBy"] == []
    assert_problem(api.get("/v1/certificates", params={"tag": "a\x00b"}), 400, field="tag")
    assert_problem(
        api.delete(f"/v1/certificates/{cid}/in-use-by", params={"user": "\x00"}), 400, field="user"
    )


def _post_unstorable(api: Api, cid: str, escaped: str) -> None:
    headers = {"Content-Type": "application/json"}
    cases = [
        (f"/v1/certificates/{cid}/in-use-by", f'{{"User": "x{escaped}"}}', "User"),
        (f"/v1/certificates/{cid}/export", f'{{"Passphrase": "abcd{escaped}"}}', "Passphrase"),
        (f"/v1/certificates/{cid}/tags", f'{{"Tags": [{{"Key": "k{escaped}"}}]}}', "Tags[0].Key"),
        (
            "/v1/certificates/import",
            json.dumps({"PrivateKey": "x"})[:-1] + f', "Certificate": "{escaped}"}}',
            "Certificate",
        ),
        (
            "/v1/certificate-authorities",
            '{"Type": "ROOT", "KeyAlgorithm": "EC_prime256v1", '
            f'"Subject": {{"CommonName": "CA{escaped}"}}}}',
            "Subject.CommonName",
        ),
    ]
    for path, raw, field in cases:
        assert_problem(api.post(path, content=raw.encode(), headers=headers), 400, field=field)
