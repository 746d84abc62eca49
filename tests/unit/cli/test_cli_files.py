"""Files the CLI writes (atomically; keys 0600), PEM wrapping and tag parsing."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest
import typer

from certherd.entrypoints.cli.errors import CliError
from certherd.entrypoints.cli.files import der_to_pem, read_text, write_file
from certherd.entrypoints.cli.options import parse_tags


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_private_files_are_0600_even_when_replacing_a_wider_one(tmp_path: Path) -> None:
    key = tmp_path / "key.pem"
    key.write_text("old")
    key.chmod(0o644)
    write_file(key, "-----BEGIN ENCRYPTED PRIVATE KEY-----\n", private=True)
    assert mode(key) == 0o600
    assert key.read_text().startswith("-----BEGIN ENCRYPTED")


def test_public_files_follow_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o027)
    try:
        write_file(tmp_path / "cert.pem", "cert")
    finally:
        os.umask(previous)
    assert mode(tmp_path / "cert.pem") == 0o640


def test_no_temporary_files_are_left(tmp_path: Path) -> None:
    write_file(tmp_path / "a.pem", b"\x00\x01")
    assert [p.name for p in tmp_path.iterdir()] == ["a.pem"]
    assert (tmp_path / "a.pem").read_bytes() == b"\x00\x01"


def test_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CliError, match="does not exist"):
        write_file(tmp_path / "nope" / "cert.pem", "x")


def test_read_text_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(CliError, match=r"certificate file .* does not exist"):
        read_text(tmp_path / "missing.pem", what="certificate file")
    binary = tmp_path / "cert.der"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(CliError, match="PEM expected"):
        read_text(binary, what="certificate file")


def test_der_to_pem_wraps_at_64() -> None:
    der = bytes(range(256)) * 2
    pem = der_to_pem(der, "X509 CRL")
    lines = pem.splitlines()
    assert lines[0] == "-----BEGIN X509 CRL-----" and lines[-1] == "-----END X509 CRL-----"
    assert all(len(line) <= 64 for line in lines[1:-1])
    assert base64.b64decode("".join(lines[1:-1])) == der


def test_parse_tags() -> None:
    assert parse_tags(["env=prod", "team", "note=a=b", "empty="]) == [
        {"Key": "env", "Value": "prod"},
        {"Key": "team"},
        {"Key": "note", "Value": "a=b"},
        {"Key": "empty", "Value": ""},
    ]
    assert parse_tags(None) == []
    with pytest.raises(typer.BadParameter):
        parse_tags(["=value"])
    with pytest.raises(typer.BadParameter):
        parse_tags(["key"], value_required=True)
