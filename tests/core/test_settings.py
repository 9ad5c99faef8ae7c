"""Typed settings: bad values stop start-up naming the variable and the rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from chengxin.errors import ConfigError
from chengxin.settings import load_settings


def test_defaults_are_sqlite_in_the_data_folder() -> None:
    settings = load_settings({})
    assert settings.resolved_database_url.startswith("sqlite:///")
    assert settings.resolved_database_url.endswith("data/chengxin.db")
    assert settings.resolved_key_file == Path("data/keys.json")
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)


def test_postgresql_url_gets_the_psycopg_driver() -> None:
    settings = load_settings({"CHENGXIN_DATABASE_URL": "postgresql://u@h/db"})
    assert settings.resolved_database_url == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize(
    ("env", "variable", "words"),
    [
        ({"CHENGXIN_PORT": "abc"}, "CHENGXIN_PORT", "integer"),
        ({"CHENGXIN_PORT": "0"}, "CHENGXIN_PORT", "greater than or equal to 1"),
        ({"CHENGXIN_PORT": "70000"}, "CHENGXIN_PORT", "less than or equal to 65535"),
        ({"CHENGXIN_LOG_LEVEL": "LOUD"}, "CHENGXIN_LOG_LEVEL", "'DEBUG'"),
        ({"CHENGXIN_LOG_JSON": "maybe"}, "CHENGXIN_LOG_JSON", "boolean"),
        ({"CHENGXIN_RUN_JOBS": "sometimes"}, "CHENGXIN_RUN_JOBS", "boolean"),
        ({"CHENGXIN_REGION_CODE": "11"}, "CHENGXIN_REGION_CODE", "pattern"),
        ({"CHENGXIN_HOST": "x" * 1000}, "CHENGXIN_HOST", "at most 255"),
        (
            {"CHENGXIN_DATABASE_URL": "mysql://root@x/db"},
            "CHENGXIN_DATABASE_URL",
            "sqlite: or postgresql",
        ),
        (
            {"CHENGXIN_MAX_UPLOAD_BYTES": "12"},
            "CHENGXIN_MAX_UPLOAD_BYTES",
            "greater than or equal to 1024",
        ),
        ({"CHENGXIN_MAX_UPLOAD_BYTES": "1e99"}, "CHENGXIN_MAX_UPLOAD_BYTES", "integer"),
        ({"CHENGXIN_MAX_BATCH_ROWS": "0"}, "CHENGXIN_MAX_BATCH_ROWS", "greater than or equal to 1"),
        ({"CHENGXIN_MAX_BATCH_ROWS": "9" * 40}, "CHENGXIN_MAX_BATCH_ROWS", "less than or equal to"),
    ],
)
def test_bad_values_name_the_variable_and_rule(
    env: dict[str, str], variable: str, words: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(env)
    assert info.value.field == variable
    assert words in str(info.value)


def test_secret_values_are_not_echoed() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({"CHENGXIN_DATABASE_URL": "mysql://root:hunter2@x/db"})
    assert "hunter2" not in str(info.value)


def test_file_variant_reads_the_secret(tmp_path: Path) -> None:
    secret = tmp_path / "db-url"
    secret.write_text("postgresql+psycopg://app:s3cret@db/chengxin\n")
    settings = load_settings({"CHENGXIN_DATABASE_URL_FILE": str(secret)})
    assert settings.database_url == "postgresql+psycopg://app:s3cret@db/chengxin"


def test_file_variant_and_plain_variable_together_are_refused(tmp_path: Path) -> None:
    secret = tmp_path / "db-url"
    secret.write_text("sqlite:///x.db")
    with pytest.raises(ConfigError, match="not both"):
        load_settings(
            {"CHENGXIN_DATABASE_URL_FILE": str(secret), "CHENGXIN_DATABASE_URL": "sqlite:///y.db"}
        )


def test_file_variant_missing_oversized_or_binary_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({"CHENGXIN_DATABASE_URL_FILE": str(tmp_path / "absent")})
    assert info.value.field == "CHENGXIN_DATABASE_URL_FILE"
    big = tmp_path / "big"
    big.write_bytes(b"s" * 100_000)
    with pytest.raises(ConfigError, match="larger than"):
        load_settings({"CHENGXIN_DATABASE_URL_FILE": str(big)})
    binary = tmp_path / "bin"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ConfigError, match="UTF-8"):
        load_settings({"CHENGXIN_DATABASE_URL_FILE": str(binary)})
