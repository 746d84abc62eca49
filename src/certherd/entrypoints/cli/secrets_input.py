"""Where a passphrase comes from: a file, an environment variable or a hidden prompt.

Never a command-line argument: arguments show in ``ps`` and shell history. Exactly one
source is used; with none given the user is asked twice at the terminal (hidden input),
and a command run without a terminal is told which options to use instead.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import typer

from certherd.entrypoints.cli.errors import CliError
from certherd.entrypoints.cli.files import read_text

__all__ = ["read_passphrase"]

Prompt = Callable[[], str]


def _prompt_twice() -> str:
    value: str = typer.prompt(
        "Passphrase for the exported private key",
        hide_input=True,
        confirmation_prompt=True,
    )
    return value


def read_passphrase(
    *,
    passphrase_file: Path | None,
    passphrase_env: str | None,
    env: Mapping[str, str] | None = None,
    interactive: bool | None = None,
    prompt: Prompt = _prompt_twice,
) -> str:
    """The passphrase from ``passphrase_file``, the variable ``passphrase_env`` or ``prompt``.

    A file's content is used up to its first line end (so ``echo secret > file`` works).
    ``interactive`` says whether a prompt may be shown (default: stdin is a terminal).

    Raises:
        CliError: both sources given (exit code 2), the file cannot be read, the variable is
            unset, the value is empty, or no source was given and there is no terminal.
    """
    if passphrase_file is not None and passphrase_env:
        raise CliError("give --passphrase-file or --passphrase-env, not both", exit_code=2)
    if passphrase_file is not None:
        value = _first_line(
            read_text(passphrase_file, what="passphrase file", not_text="is not UTF-8 text")
        )
        origin = f"the passphrase file {passphrase_file}"
    elif passphrase_env:
        environ = os.environ if env is None else env
        if passphrase_env not in environ:
            raise CliError(f"the environment variable {passphrase_env} (--passphrase-env) is unset")
        value = environ[passphrase_env]
        origin = f"the environment variable {passphrase_env}"
    else:
        if not (sys.stdin.isatty() if interactive is None else interactive):
            raise CliError(
                "a passphrase is needed and there is no terminal to ask for it: "
                "use --passphrase-file FILE or --passphrase-env VARIABLE"
            )
        value = prompt()
        origin = "the prompt"
    if not value:
        raise CliError(f"the passphrase from {origin} is empty")
    return value


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else ""
