"""``certherd cert request-batch``: reading the batch file, before anything is sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from certherd.entrypoints.cli.cert_batch import read_entries
from certherd.entrypoints.cli.errors import CliError
from certherd.entrypoints.cli.main import app

runner = CliRunner()
ENTRY = {"DomainName": "a.example.com", "KeyAlgorithm": "EC_prime256v1"}


@pytest.mark.parametrize("document", [[ENTRY, ENTRY], {"Entries": [ENTRY, ENTRY]}])
def test_a_list_or_an_entries_object(tmp_path: Path, document: object) -> None:
    file = tmp_path / "batch.json"
    file.write_text(json.dumps(document))
    assert read_entries(file) == [ENTRY, ENTRY]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "is not valid JSON"),
        ('{"DomainName": "a.example.com"}', "must hold a JSON list"),
        ('{"Entries": [], "More": 1}', "must hold a JSON list"),
        ('[{"DomainName": "a"}, "b"]', "entry 1 is not a JSON object"),
    ],
)
def test_a_bad_file_is_explained(tmp_path: Path, content: str, problem: str) -> None:
    file = tmp_path / "batch.json"
    file.write_text(content)
    with pytest.raises(CliError, match=problem):
        read_entries(file)


def test_a_missing_file_is_one_line_and_nothing_is_sent(tmp_path: Path) -> None:
    env = {"CERTHERD_DATA_DIR": str(tmp_path / "data"), "CERTHERD_URL": "", "CERTHERD_TOKEN": ""}
    result = runner.invoke(
        app, ["cert", "request-batch", "--file", str(tmp_path / "none.json")], env=env
    )
    assert result.exit_code == 1
    assert "does not exist" in result.output


def test_the_file_option_is_required(tmp_path: Path) -> None:
    result = runner.invoke(app, ["cert", "request-batch"], env={"CERTHERD_URL": ""})
    assert result.exit_code == 2
