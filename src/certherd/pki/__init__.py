"""certherd.pki: sans-IO X.509 over ``cryptography``.

Keys, CSRs, issuing, parsing, chains, CRLs and key export. No file, network or database
I/O happens here and the clock is never read: every moment is an argument. Bad input raises
:class:`certherd.errors.ValidationError` naming the field and the rule it broke.

Public names (``__all__``):

* keys: :class:`KeyAlgorithm`, ``PrivateKey``, ``PublicKey``, :func:`generate_private_key`,
  :func:`key_algorithm_of`, :func:`private_key_to_pem`, :func:`private_key_to_der`,
  :func:`load_private_key`, :func:`load_private_key_der`, :func:`public_key_matches`
* signing: :class:`SigningAlgorithm`, :func:`default_signing_algorithm`,
  :func:`parse_signing_algorithm`, :func:`check_compatible`, :func:`signature_algorithm_name`
* names: :func:`validate_domain_name`, :func:`validate_san`, :func:`validate_sans`
* subject: :class:`Subject`
* csr: :func:`build_csr`, :func:`load_csr`, :class:`CsrInfo`, :func:`describe_csr`
* validity: :class:`Validity`, :class:`ValidityPeriodType`, :func:`validity_from_aws`
* templates: :class:`Template`, :class:`TemplateSpec`, :func:`parse_template_arn`
* issue: :class:`Issuer`, :func:`new_serial`, :func:`self_signed_ca_certificate`,
  :func:`issue_certificate`
* parse: :func:`load_certificate`, :func:`load_chain`, :func:`certificate_to_pem`,
  :func:`chain_to_pem`, :class:`CertificateInfo`, :func:`describe_certificate`,
  :func:`check_chain`, :func:`check_within_validity`, :class:`ImportedMaterial`,
  :func:`check_import`
* crl: :class:`RevocationReason`, :class:`RevokedEntry`, :func:`build_crl`,
  :func:`crl_to_der`, :func:`crl_to_pem`
* export: :func:`check_passphrase`, :func:`encrypt_private_key`
"""

from certherd.pki.crl import RevocationReason, RevokedEntry, build_crl, crl_to_der, crl_to_pem
from certherd.pki.csr import CsrInfo, build_csr, describe_csr, load_csr
from certherd.pki.export import check_passphrase, encrypt_private_key
from certherd.pki.issue import (
    Issuer,
    issue_certificate,
    new_serial,
    self_signed_ca_certificate,
)
from certherd.pki.keys import (
    KeyAlgorithm,
    PrivateKey,
    PublicKey,
    generate_private_key,
    key_algorithm_of,
    load_private_key,
    load_private_key_der,
    private_key_to_der,
    private_key_to_pem,
    public_key_matches,
)
from certherd.pki.names import validate_domain_name, validate_san, validate_sans
from certherd.pki.parse import (
    CertificateInfo,
    ImportedMaterial,
    certificate_to_pem,
    chain_to_pem,
    check_chain,
    check_import,
    check_within_validity,
    describe_certificate,
    load_certificate,
    load_chain,
)
from certherd.pki.signing import (
    SigningAlgorithm,
    check_compatible,
    default_signing_algorithm,
    parse_signing_algorithm,
    signature_algorithm_name,
)
from certherd.pki.subject import Subject
from certherd.pki.templates import Template, TemplateSpec, parse_template_arn
from certherd.pki.validity import Validity, ValidityPeriodType, validity_from_aws

__all__ = [
    "CertificateInfo",
    "CsrInfo",
    "ImportedMaterial",
    "Issuer",
    "KeyAlgorithm",
    "PrivateKey",
    "PublicKey",
    "RevocationReason",
    "RevokedEntry",
    "SigningAlgorithm",
    "Subject",
    "Template",
    "TemplateSpec",
    "Validity",
    "ValidityPeriodType",
    "build_crl",
    "build_csr",
    "certificate_to_pem",
    "chain_to_pem",
    "check_chain",
    "check_compatible",
    "check_import",
    "check_passphrase",
    "check_within_validity",
    "crl_to_der",
    "crl_to_pem",
    "default_signing_algorithm",
    "describe_certificate",
    "describe_csr",
    "encrypt_private_key",
    "generate_private_key",
    "issue_certificate",
    "key_algorithm_of",
    "load_certificate",
    "load_chain",
    "load_csr",
    "load_private_key",
    "load_private_key_der",
    "new_serial",
    "parse_signing_algorithm",
    "parse_template_arn",
    "private_key_to_der",
    "private_key_to_pem",
    "public_key_matches",
    "self_signed_ca_certificate",
    "signature_algorithm_name",
    "validate_domain_name",
    "validate_san",
    "validate_sans",
    "validity_from_aws",
]
