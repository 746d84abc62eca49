"""Certificate signing requests: building, loading (PEM or DER) and describing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from certherd.errors import ValidationError
from certherd.pki._pem import PARSE_ERRORS, as_bytes, pem_blocks
from certherd.pki.keys import KeyAlgorithm, PrivateKey, PublicKey, key_algorithm_of
from certherd.pki.names import sans_of, to_general_names, validate_sans
from certherd.pki.signing import SigningAlgorithm, check_compatible, default_signing_algorithm
from certherd.pki.subject import Subject

_CSR_LABELS = frozenset({"CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"})

_KU_CA = x509.KeyUsage(
    digital_signature=True,
    content_commitment=False,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=True,
    crl_sign=True,
    encipher_only=False,
    decipher_only=False,
)


def build_csr(
    key: PrivateKey,
    subject: Subject | x509.Name,
    sans: Sequence[str] = (),
    *,
    signing_algorithm: SigningAlgorithm | None = None,
    is_ca: bool = False,
) -> x509.CertificateSigningRequest:
    """A CSR for ``key`` with ``subject`` and ``sans``, signed by ``key``.

    With ``is_ca`` the CSR requests BasicConstraints CA:TRUE and KeyUsage digitalSignature,
    keyCertSign, cRLSign (both critical), as a CA's CSR does. Without ``signing_algorithm``
    the default for the key is used.

    Raises:
        ValidationError: an unsupported key, a signing algorithm that does not fit it, a bad
            subject attribute, an invalid SAN, or neither a subject nor SANs.
    """
    key_algorithm = key_algorithm_of(key, field="KeyAlgorithm")
    if signing_algorithm is None:
        signing_algorithm = default_signing_algorithm(key_algorithm)
    check_compatible(signing_algorithm, key)
    name = subject if isinstance(subject, x509.Name) else subject.to_x509_name()
    names = validate_sans(sans)
    if len(name) == 0 and not names:
        raise ValidationError("a CSR needs a subject or subject alternative names", field="Subject")
    builder = x509.CertificateSigningRequestBuilder().subject_name(name)
    if names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(to_general_names(names)), critical=len(name) == 0
        )
    if is_ca:
        builder = builder.add_extension(
            x509.BasicConstraints(ca=True, path_length=None), critical=True
        ).add_extension(_KU_CA, critical=True)
    return builder.sign(key, SigningAlgorithm(signing_algorithm).hash_algorithm())


def load_csr(data: bytes, *, field: str = "Csr") -> x509.CertificateSigningRequest:
    """Load a CSR given as PEM or DER and check its self-signature.

    Raises:
        ValidationError: (naming ``field``) empty input, PEM holding something other than
            exactly one CSR, a damaged CSR, or a signature that does not verify.
    """
    data = as_bytes(data, field)
    if not data.strip():
        raise ValidationError(
            "is empty; a PEM or DER certificate signing request is required", field=field
        )
    blocks = pem_blocks(data, field)
    try:
        if blocks:
            if len(blocks) != 1 or blocks[0].label not in _CSR_LABELS:
                found = ", ".join(block.label for block in blocks)
                raise ValidationError(
                    f"must hold exactly one CERTIFICATE REQUEST PEM block, but holds: {found}",
                    field=field,
                )
            csr = x509.load_pem_x509_csr(blocks[0].text)
        else:
            csr = x509.load_der_x509_csr(data)
        # Parsing is lazy; read every part now so bad input fails here, once.
        _ = (csr.subject, csr.extensions, csr.public_key(), csr.signature_algorithm_oid)
        valid = csr.is_signature_valid
    except PARSE_ERRORS as exc:
        raise ValidationError(
            "could not be parsed as a certificate signing request (PEM or DER)", field=field
        ) from exc
    if not valid:
        raise ValidationError(
            "the signature of the certificate signing request does not verify", field=field
        )
    return csr


@dataclass(frozen=True, slots=True)
class CsrInfo:
    """What a CSR asks for."""

    subject: Subject
    sans: tuple[str, ...]
    key_algorithm: KeyAlgorithm
    public_key: PublicKey


def describe_csr(csr: x509.CertificateSigningRequest, *, field: str = "Csr") -> CsrInfo:
    """The subject, SANs (DNS and IP, in order) and public key a CSR asks for.

    Raises:
        ValidationError: (naming ``field``) the CSR's key algorithm is not supported, or a
            part of it cannot be read.
    """
    try:
        public_key = csr.public_key()
        key_algorithm = key_algorithm_of(public_key, field=field)
        subject = Subject.from_x509_name(csr.subject)
        sans = sans_of(csr.extensions)
    except PARSE_ERRORS as exc:
        raise ValidationError(
            "could not be read as a certificate signing request", field=field
        ) from exc
    if not isinstance(public_key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):  # pragma: no cover
        raise ValidationError("has an unsupported key type", field=field)  # refused above
    return CsrInfo(subject=subject, sans=sans, key_algorithm=key_algorithm, public_key=public_key)
