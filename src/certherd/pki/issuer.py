"""A CA ready to issue: its certificate and key, and what issuing needs from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509

from certherd.errors import ValidationError
from certherd.pki.keys import KeyAlgorithm, PrivateKey, key_algorithm_of, public_key_matches
from certherd.pki.parse import name_to_string

__all__ = ["Issuer"]


@dataclass(frozen=True, slots=True)
class Issuer:
    """A CA ready to issue: certificate, key, and what issuing needs from them, precomputed."""

    certificate: x509.Certificate
    key: PrivateKey
    name: x509.Name
    authority_key_identifier: x509.AuthorityKeyIdentifier
    not_before: datetime
    not_after: datetime
    path_length: int | None
    key_algorithm: KeyAlgorithm
    #: ``name`` as RFC 4514 text (the Issuer that describe_certificate shows).
    name_text: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "name_text", name_to_string(self.name))

    @classmethod
    def from_certificate(cls, certificate: x509.Certificate, key: PrivateKey) -> Issuer:
        """Prepare ``certificate`` / ``key`` for issuing.

        Raises:
            ValidationError: (field ``PrivateKey``) the key does not match the certificate;
                (field ``Certificate``) the certificate is not a CA certificate allowed to
                sign certificates, or its key algorithm is not supported.
        """
        key_algorithm = key_algorithm_of(key, field="PrivateKey")
        if not public_key_matches(key, certificate):
            raise ValidationError(
                "the CA's private key does not match its certificate", field="PrivateKey"
            )
        extensions = certificate.extensions
        try:
            constraints = extensions.get_extension_for_class(x509.BasicConstraints).value
        except x509.ExtensionNotFound:
            constraints = None
        if constraints is None or not constraints.ca:
            raise ValidationError(
                "is not a CA certificate (BasicConstraints CA:TRUE)", field="Certificate"
            )
        try:
            if not extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign:
                raise ValidationError(
                    "the CA certificate's key usage does not allow signing certificates",
                    field="Certificate",
                )
        except x509.ExtensionNotFound:
            pass
        try:
            ski = extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
            aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
        except x509.ExtensionNotFound:
            aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key())
        return cls(
            certificate=certificate,
            key=key,
            name=certificate.subject,
            authority_key_identifier=aki,
            not_before=certificate.not_valid_before_utc,
            not_after=certificate.not_valid_after_utc,
            path_length=constraints.path_length,
            key_algorithm=key_algorithm,
        )
