"""Finding the server and token: options, environment, then the credentials file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from certherd.entrypoints.cli.connection import read_credentials, resolve_connection
from certherd.entrypoints.cli.errors import CliError


def write_credentials(directory: Path, **document: object) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "credentials.json"
    path.write_text(json.dumps(document))
    path.chmod(0o600)
    return path


def test_credentials_file_in_the_data_dir_gives_url_and_token(tmp_path: Path) -> None:
    path = write_credentials(tmp_path, url="http://127.0.0.1:9999/", token="chd_abc")
    connection = resolve_connection(
        url=None, token=None, token_source="--token", data_dir=tmp_path, env={}
    )
    assert connection.url == "http://127.0.0.1:9999"
    assert connection.token == "chd_abc"
    assert connection.credentials_file == path
    assert connection.token_source == f"the credentials file {path}"


def test_data_dir_comes_from_the_environment_like_the_server(tmp_path: Path) -> None:
    write_credentials(tmp_path / "srv", url="http://h:1", token="chd_env")
    connection = resolve_connection(
        url=None,
        token=None,
        token_source="--token",
        data_dir=None,
        env={"CERTHERD_DATA_DIR": str(tmp_path / "srv")},
    )
    assert connection.token == "chd_env"
    assert connection.credentials_file == tmp_path / "srv" / "credentials.json"


def test_default_data_dir_follows_xdg(tmp_path: Path) -> None:
    write_credentials(tmp_path / "xdg" / "certherd", url="http://h:2", token="chd_xdg")
    connection = resolve_connection(
        url=None,
        token=None,
        token_source="--token",
        data_dir=None,
        env={"XDG_DATA_HOME": str(tmp_path / "xdg")},
    )
    assert (connection.url, connection.token) == ("http://h:2", "chd_xdg")


def test_credentials_file_setting_is_honoured(tmp_path: Path) -> None:
    path = write_credentials(tmp_path / "elsewhere", url="http://h:3", token="chd_x")
    env = {"CERTHERD_CREDENTIALS_FILE": str(path)}
    connection = resolve_connection(
        url=None, token=None, token_source="--token", data_dir=tmp_path, env=env
    )
    assert connection.token == "chd_x"


def test_options_win_over_the_file(tmp_path: Path) -> None:
    write_credentials(tmp_path, url="http://file:1", token="chd_file")
    connection = resolve_connection(
        url="https://given:8443",
        token="chd_given",
        token_source="CERTHERD_TOKEN",
        data_dir=tmp_path,
        env={},
    )
    assert (connection.url, connection.token) == ("https://given:8443", "chd_given")
    assert connection.token_source == "CERTHERD_TOKEN"


def test_the_file_token_goes_only_to_the_file_server(tmp_path: Path) -> None:
    write_credentials(tmp_path, url="http://127.0.0.1:8600", token="chd_file")
    for same in ("http://localhost:8600", "http://127.0.0.1:8600/", "http://[::1]:8600"):
        connection = resolve_connection(
            url=same, token=None, token_source="--token", data_dir=tmp_path, env={}
        )
        assert connection.token == "chd_file", same
    for other in ("http://other:8600", "http://127.0.0.1:9000", "https://127.0.0.1:8600"):
        connection = resolve_connection(
            url=other, token=None, token_source="--token", data_dir=tmp_path, env={}
        )
        assert connection.token is None, other
        assert connection.credentials_problem is not None
        assert "--token" in connection.credentials_problem


def test_no_file_means_no_token_and_the_settings_url(tmp_path: Path) -> None:
    connection = resolve_connection(
        url=None,
        token=None,
        token_source="--token",
        data_dir=tmp_path,
        env={"CERTHERD_PORT": "8700"},
    )
    assert connection.url == "http://127.0.0.1:8700"
    assert connection.token is None and connection.token_source is None
    assert connection.credentials_problem is not None
    assert "does not exist" in connection.credentials_problem


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "not valid JSON"),
        ("[1]", "JSON object"),
        ('{"url": "http://h:1"}', "no token"),
    ],
)
def test_bad_credentials_files_are_explained(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "credentials.json"
    path.write_text(content)
    credentials = read_credentials(path)
    assert credentials.token is None
    assert credentials.problem is not None and problem in credentials.problem


def test_a_bad_setting_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CliError, match="CERTHERD_PORT"):
        resolve_connection(
            url=None,
            token=None,
            token_source="--token",
            data_dir=tmp_path,
            env={"CERTHERD_PORT": "eighty"},
        )


def test_url_must_be_http(tmp_path: Path) -> None:
    with pytest.raises(CliError, match="http"):
        resolve_connection(
            url="ftp://x", token="t", token_source="--token", data_dir=tmp_path, env={}
        )
