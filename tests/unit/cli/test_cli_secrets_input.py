"""Passphrase sources: a file, an environment variable, or a hidden prompt; never argv."""

from __future__ import annotations

from pathlib import Path

import pytest

from certherd.entrypoints.cli.errors import CliError
from certherd.entrypoints.cli.secrets_input import read_passphrase


def never_prompt() -> str:
    raise AssertionError("must not prompt")


def test_file_gives_its_first_line(tmp_path: Path) -> None:
    secret = tmp_path / "pass"
    secret.write_text("correct horse\nignored\n")
    assert (
        read_passphrase(passphrase_file=secret, passphrase_env=None, prompt=never_prompt)
        == "correct horse"
    )


def test_file_with_crlf_and_no_newline(tmp_path: Path) -> None:
    secret = tmp_path / "pass"
    secret.write_bytes(b"s3cret!\r\n")
    assert read_passphrase(passphrase_file=secret, passphrase_env=None) == "s3cret!"
    secret.write_text("no-newline")
    assert read_passphrase(passphrase_file=secret, passphrase_env=None) == "no-newline"


def test_environment_variable() -> None:
    value = read_passphrase(
        passphrase_file=None,
        passphrase_env="EXPORT_PASS",
        env={"EXPORT_PASS": "from env"},
        prompt=never_prompt,
    )
    assert value == "from env"


def test_prompt_when_interactive_and_nothing_given() -> None:
    assert (
        read_passphrase(
            passphrase_file=None, passphrase_env=None, interactive=True, prompt=lambda: "typed"
        )
        == "typed"
    )


def test_no_terminal_and_nothing_given_names_the_options() -> None:
    with pytest.raises(CliError) as caught:
        read_passphrase(
            passphrase_file=None, passphrase_env=None, interactive=False, prompt=never_prompt
        )
    assert "--passphrase-file" in caught.value.message
    assert "--passphrase-env" in caught.value.message


def test_both_sources_is_a_usage_error(tmp_path: Path) -> None:
    secret = tmp_path / "pass"
    secret.write_text("x")
    with pytest.raises(CliError) as caught:
        read_passphrase(passphrase_file=secret, passphrase_env="X", env={"X": "y"})
    assert caught.value.exit_code == 2


def test_unset_variable_is_named() -> None:
    with pytest.raises(CliError, match="EXPORT_PASS"):
        read_passphrase(passphrase_file=None, passphrase_env="EXPORT_PASS", env={})


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(CliError, match="does not exist"):
        read_passphrase(passphrase_file=tmp_path / "nope", passphrase_env=None)
    empty = tmp_path / "empty"
    empty.write_text("\n")
    with pytest.raises(CliError, match="empty"):
        read_passphrase(passphrase_file=empty, passphrase_env=None)


def test_error_messages_never_contain_the_passphrase(tmp_path: Path) -> None:
    with pytest.raises(CliError) as caught:
        read_passphrase(passphrase_file=None, passphrase_env="P", env={"P": ""})
    assert "P" in caught.value.message
