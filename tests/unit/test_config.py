from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from certherd.config import Settings, load_settings
from certherd.domain.clock import FixedClock, SystemClock, parse_instant
from certherd.errors import ConfigurationError, ValidationError

KEY = base64.b64encode(bytes(range(32))).decode()


def test_defaults_follow_the_data_directory(tmp_path: Path) -> None:
    settings = load_settings(env={"XDG_DATA_HOME": str(tmp_path)})
    data = tmp_path / "certherd"
    assert settings.data_dir == data
    assert settings.database_url == f"sqlite:///{data / 'certherd.db'}"
    assert settings.key_file == data / "master.key"
    assert settings.credentials_file == data / "credentials.json"
    assert settings.master_key is None
    assert (settings.host, settings.port) == ("127.0.0.1", 8600)
    assert settings.public_url == "http://127.0.0.1:8600"
    assert (settings.partition, settings.region) == ("aws", "us-east-1")
    assert settings.account_id == "000000000000"
    assert settings.now is None
    assert settings.ca_restore_days == 30
    assert settings.log_level == "INFO"
    assert settings.is_sqlite


def test_without_xdg_the_data_directory_is_under_home(tmp_path: Path) -> None:
    settings = load_settings(env={"HOME": str(tmp_path)})
    assert settings.data_dir == tmp_path / ".local" / "share" / "certherd"


def test_environment_sets_every_field(tmp_path: Path) -> None:
    env = {
        "CERTHERD_DATA_DIR": str(tmp_path),
        "CERTHERD_DATABASE_URL": "postgresql+psycopg://u@db/certherd",
        "CERTHERD_MASTER_KEY": KEY,
        "CERTHERD_KEY_FILE": str(tmp_path / "k"),
        "CERTHERD_HOST": "0.0.0.0",
        "CERTHERD_PORT": "9000",
        "CERTHERD_PUBLIC_URL": "https://pki.example.com/",
        "CERTHERD_PARTITION": "aws-cn",
        "CERTHERD_REGION": "cn-north-1",
        "CERTHERD_ACCOUNT_ID": "123456789012",
        "CERTHERD_NOW": "2026-03-01",
        "CERTHERD_CA_RESTORE_DAYS": "7",
        "CERTHERD_LOG_LEVEL": "debug",
        "CERTHERD_CREDENTIALS_FILE": str(tmp_path / "c.json"),
        "CERTHERD_HISTORY_DAYS": "0",
    }
    settings = load_settings(env=env)
    assert settings.data_dir == tmp_path
    assert settings.database_url == "postgresql+psycopg://u@db/certherd"
    assert not settings.is_sqlite
    assert settings.master_key == KEY
    assert settings.key_file == tmp_path / "k"
    assert (settings.host, settings.port) == ("0.0.0.0", 9000)
    assert settings.public_url == "https://pki.example.com"
    assert (settings.partition, settings.region) == ("aws-cn", "cn-north-1")
    assert settings.account_id == "123456789012"
    assert settings.now == datetime(2026, 3, 1, tzinfo=UTC)
    assert settings.ca_restore_days == 7
    assert settings.log_level == "DEBUG"
    assert settings.credentials_file == tmp_path / "c.json"
    assert settings.history_days == 0


def test_public_url_defaults_to_host_and_port() -> None:
    settings = load_settings(env={"CERTHERD_HOST": "::1", "CERTHERD_PORT": "1234"})
    assert settings.public_url == "http://[::1]:1234"


def test_precedence_overrides_then_env_then_file_then_defaults(tmp_path: Path) -> None:
    config = tmp_path / "certherd.toml"
    config.write_text('port = 1111\nregion = "eu-west-1"\nhost = "10.0.0.1"\n')
    env = {"CERTHERD_CONFIG": str(config), "CERTHERD_PORT": "2222", "CERTHERD_HOST": "h"}
    settings = load_settings(env=env, overrides={"host": "o", "log_level": None})
    assert settings.host == "o"  # override beats env and file
    assert settings.port == 2222  # env beats file
    assert settings.region == "eu-west-1"  # file beats default
    assert settings.log_level == "INFO"  # None override means "not given"
    assert settings.partition == "aws"  # default


def test_config_file_argument_wins_over_variable(tmp_path: Path) -> None:
    one, two = tmp_path / "one.toml", tmp_path / "two.toml"
    one.write_text("port = 1\n")
    two.write_text("port = 2\n")
    settings = load_settings(env={"CERTHERD_CONFIG": str(one)}, config_file=two)
    assert settings.port == 2


def test_toml_native_values(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("now = 2026-05-01T10:00:00+02:00\naccount_id = 123456789012\n")
    settings = load_settings(env={}, config_file=config)
    assert settings.now == datetime(2026, 5, 1, 8, tzinfo=UTC)
    assert settings.account_id == "123456789012"


def test_empty_variables_count_as_unset() -> None:
    settings = load_settings(env={"CERTHERD_PORT": "", "CERTHERD_MASTER_KEY": "  "})
    assert settings.port == 8600
    assert settings.master_key is None


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("CERTHERD_ACCOUNT_ID", "12345", "CERTHERD_ACCOUNT_ID: must be exactly 12 digits"),
        ("CERTHERD_ACCOUNT_ID", "12345678901a", "must be exactly 12 digits"),
        ("CERTHERD_PORT", "http", "CERTHERD_PORT: must be an integer between 1 and 65535"),
        ("CERTHERD_PORT", "70000", "between 1 and 65535"),
        (
            "CERTHERD_CA_RESTORE_DAYS",
            "31",
            "CERTHERD_CA_RESTORE_DAYS: must be an integer between 7",
        ),
        ("CERTHERD_CA_RESTORE_DAYS", "6", "between 7 and 30"),
        ("CERTHERD_NOW", "yesterday", "CERTHERD_NOW: 'yesterday' is not an ISO 8601"),
        ("CERTHERD_LOG_LEVEL", "LOUD", "CERTHERD_LOG_LEVEL: must be one of"),
        ("CERTHERD_PUBLIC_URL", "ftp://x", "CERTHERD_PUBLIC_URL: must be an http"),
        ("CERTHERD_PARTITION", "azure", "CERTHERD_PARTITION: must be an AWS partition"),
        ("CERTHERD_REGION", "US East", "CERTHERD_REGION: must be a region name"),
        ("CERTHERD_DATABASE_URL", "not a url", "CERTHERD_DATABASE_URL: must be a database URL"),
        ("CERTHERD_HISTORY_DAYS", "-1", "CERTHERD_HISTORY_DAYS: must be an integer between 0"),
    ],
)
def test_bad_values_name_the_variable(variable: str, value: str, message: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(env={variable: value})
    assert message in str(caught.value)
    assert caught.value.field == variable


@pytest.mark.parametrize(
    "bad_key",
    [
        "c2VjcmV0LWJ1dC10b28tc2hvcnQ=",  # valid base64, wrong length
        "not base64 at all!!" + "x" * 30,
        base64.b64encode(b"\x01" * 33).decode(),
    ],
)
@pytest.mark.parametrize("variable", ["CERTHERD_MASTER_KEY", "CERTHERD_NEW_MASTER_KEY"])
def test_bad_master_key_is_never_echoed(variable: str, bad_key: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(env={variable: bad_key})
    text = str(caught.value)
    assert text.startswith(f"{variable}: must be the base64 encoding of exactly 32 bytes")
    assert bad_key not in text
    assert bad_key[:8] not in text


def test_master_key_is_hidden_from_repr_and_str() -> None:
    settings = load_settings(env={"CERTHERD_MASTER_KEY": KEY, "CERTHERD_NEW_MASTER_KEY": KEY})
    assert KEY not in repr(settings)
    assert KEY not in str(settings)
    assert "master_key" not in repr(settings)


def test_unknown_keys_are_rejected(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("prot = 8600\n")
    with pytest.raises(ConfigurationError, match="unknown setting 'prot'"):
        load_settings(env={}, config_file=config)
    with pytest.raises(ConfigurationError, match="unknown setting 'colour'"):
        load_settings(env={}, overrides={"colour": "blue"})


def test_bad_file_values_name_file_and_key(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('account_id = "42"\n')
    with pytest.raises(ConfigurationError) as caught:
        load_settings(env={}, config_file=config)
    assert str(caught.value) == f"account_id: must be exactly 12 digits (got '42') (in {config})"
    assert caught.value.field == "account_id"


def test_missing_or_broken_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="configuration file not found"):
        load_settings(env={"CERTHERD_CONFIG": str(tmp_path / "nope.toml")})
    broken = tmp_path / "broken.toml"
    broken.write_text("port = \n")
    with pytest.raises(ConfigurationError, match="not valid TOML"):
        load_settings(env={}, config_file=broken)


def test_settings_are_frozen(tmp_path: Path) -> None:
    settings = load_settings(env={}, overrides={"data_dir": tmp_path})
    with pytest.raises(AttributeError):
        settings.port = 1  # type: ignore[misc]


def test_settings_factory_fixture(settings_factory: object, tmp_path: Path) -> None:
    assert callable(settings_factory)
    settings = settings_factory(port=9999, now="2026-02-01T12:00:00Z")
    assert isinstance(settings, Settings)
    assert settings.data_dir == tmp_path
    assert settings.port == 9999
    assert settings.now == datetime(2026, 2, 1, 12, tzinfo=UTC)


# --- clock ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-31", datetime(2026, 1, 31, tzinfo=UTC)),
        (" 2026-01-31 ", datetime(2026, 1, 31, tzinfo=UTC)),
        ("2026-01-31T12:30:00Z", datetime(2026, 1, 31, 12, 30, tzinfo=UTC)),
        ("2026-01-31T14:30:00+02:00", datetime(2026, 1, 31, 12, 30, tzinfo=UTC)),
        ("2026-01-31 12:30", datetime(2026, 1, 31, 12, 30, tzinfo=UTC)),
    ],
)
def test_parse_instant(text: str, expected: datetime) -> None:
    parsed = parse_instant(text)
    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize("text", ["", "tomorrow", "2026-13-01", "2026-02-30", "31/01/2026"])
def test_parse_instant_rejects(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_instant(text, field="until")
    assert caught.value.field == "until"
    assert "ISO 8601" in str(caught.value)


def test_fixed_clock_moves_only_when_told(clock: FixedClock) -> None:
    assert clock.now() == datetime(2026, 1, 1, tzinfo=UTC)
    assert clock.now() == clock.now()
    assert clock.advance(timedelta(days=30)) == datetime(2026, 1, 31, tzinfo=UTC)
    clock.set(datetime(2026, 6, 1, 4, tzinfo=timezone(timedelta(hours=2))))
    assert clock.now() == datetime(2026, 6, 1, 2, tzinfo=UTC)
    with pytest.raises(ValueError, match="naive"):
        clock.set(datetime(2026, 6, 1))


def test_system_clock_is_aware_utc() -> None:
    now = SystemClock().now()
    assert now.tzinfo is UTC
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)
