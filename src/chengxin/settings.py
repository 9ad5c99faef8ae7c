"""Typed settings read from `CHENGXIN_*` environment variables.

Every secret may instead be given as `CHENGXIN_<NAME>_FILE`, a path whose contents are the value
(the Docker/Kubernetes secrets convention). A bad value stops start-up with a message that names
the variable and the rule; secret values are never echoed.
"""

from __future__ import annotations

import os
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict

from chengxin.catalog.vocab import DisclosureLevel
from chengxin.errors import ConfigError, InvalidInput
from chengxin.exchange.node_rules import (
    NATIONAL_NODE_CODE,
    NODE_CODE_PATTERN,
    NodeRole,
    check_base_url,
)

PREFIX = "CHENGXIN_"
SECRET_FIELDS = ("database_url", "smtp_password", "metrics_token")
MAX_SECRET_FILE_BYTES = 64 * 1024


class LogLevel(StrEnum):
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="ignore", frozen=True)

    data_dir: Path = Field(default=Path("data"), description="Folder for the SQLite file and keys")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; empty means SQLite in data_dir"
    )
    key_file: Path | None = Field(default=None, description="Key file; default data_dir/keys.json")
    catalog_dir: Path | None = Field(
        default=None, description="Operator's folder of extra catalog YAML files"
    )
    holidays_dir: Path | None = Field(
        default=None, description="Operator's folder of holiday calendar YAML files"
    )
    scoring_dir: Path | None = Field(
        default=None, description="Operator's folder of extra score model YAML files"
    )
    measures_dir: Path | None = Field(
        default=None, description="Operator's folder of extra reward and punishment measures"
    )
    content_dir: Path | None = Field(
        default=None, description="Operator's folder of knowledge pages (zh/*.md, en/*.md)"
    )
    max_upload_bytes: Annotated[int, Field(ge=1024, le=10 * 1024**3)] = 200 * 1024 * 1024
    max_batch_rows: Annotated[int, Field(ge=1, le=50_000_000)] = 2_000_000
    host: str = Field(default="127.0.0.1", min_length=1, max_length=255)
    port: Annotated[int, Field(ge=1, le=65535)] = 8000
    log_level: LogLevel = LogLevel.INFO
    log_json: bool = True
    region_code: Annotated[str, Field(pattern=r"^\d{6}$")] = "110000"
    # Access (issue C)
    cookie_secure: bool = Field(default=True, description="Session cookies only over HTTPS")
    session_hours: Annotated[int, Field(ge=1, le=24 * 30)] = 8
    rate_limit_per_minute: Annotated[int, Field(ge=1, le=1_000_000)] = 600
    flag_subjects_per_hour: Annotated[int, Field(ge=1, le=1_000_000)] = 100
    flag_refusals_per_hour: Annotated[int, Field(ge=1, le=1_000_000)] = 5
    jobs_seconds: Annotated[float, Field(ge=1, le=86400)] = 600.0  # expiry and deadlines
    run_jobs: bool = Field(
        default=True, description="Run the periodic jobs in `serve` (one process of several)"
    )
    checkpoint_seconds: Annotated[float, Field(ge=0.1, le=3600)] = 2.0
    # Notifications (issue D)
    smtp_host: str | None = None
    smtp_port: Annotated[int, Field(ge=1, le=65535)] = 25
    smtp_from: str = "chengxin@localhost"
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: str | None = None
    notify_seconds: Annotated[float, Field(ge=0.1, le=3600)] = 10.0
    # Exchange and federation (issue H)
    node_role: NodeRole = NodeRole.REGIONAL
    node_code: Annotated[str | None, Field(pattern=NODE_CODE_PATTERN)] = None
    node_url: str | None = Field(default=None, description="This node's public base URL")
    max_package_bytes: Annotated[int, Field(ge=1024, le=1024**3)] = 8 * 1024 * 1024
    # Disclosure levels of its own records a regional node shares upward. Authorised
    # records (授权查询) stay home: the person consented to a requester at this node.
    share_up: frozenset[DisclosureLevel] = frozenset(
        {DisclosureLevel.PUBLIC, DisclosureLevel.GOVERNMENT}
    )
    # Monitoring (issue 10): the bearer token of GET /metrics; unset, the route answers 404.
    metrics_token: str | None = None

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:")):
            raise ValueError("must start with sqlite: or postgresql+psycopg:")
        if value.startswith("postgresql:"):
            return "postgresql+psycopg:" + value.removeprefix("postgresql:")
        return value

    @field_validator("metrics_token")
    @classmethod
    def _token(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        # Long enough not to be guessed; the characters of an RFC 6750 bearer token.
        if not re.fullmatch(r"[A-Za-z0-9._~+/=-]{24,256}", value):
            raise ValueError("must be 24 to 256 letters, digits or . _ ~ + / = -")
        return value

    @field_validator("share_up", mode="before")
    @classmethod
    def _levels(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        names = [part.strip() for part in value.split(",")]
        if names == [""]:
            return frozenset()  # serious dishonesty only
        known = [level.value for level in DisclosureLevel]
        for name in names:
            if name not in known:
                raise PydanticCustomError(
                    "disclosure-level",
                    "{name} is not a disclosure level: give a comma list of {known}, or nothing",
                    {"name": repr(name), "known": ", ".join(known)},
                )
        return frozenset(DisclosureLevel(name) for name in names)

    @field_validator("node_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        try:
            return check_base_url(value)
        except InvalidInput as exc:
            raise ValueError(exc.message) from None

    @property
    def resolved_node_code(self) -> str:
        """This node's code among its peers: set, or `CN-<region code>` for a regional node and
        `CN-NATIONAL` for the national one."""
        if self.node_code:
            return self.node_code
        if self.node_role == NodeRole.NATIONAL:
            return NATIONAL_NODE_CODE
        return f"CN-{self.region_code}"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'chengxin.db').resolve()}"

    @property
    def ledger_origin(self) -> str:
        """The checkpoint origin line (C2SP tlog-checkpoint): names this node's log."""
        return f"chengxin/ledger/{self.region_code}"

    @property
    def resolved_key_file(self) -> Path:
        return self.key_file if self.key_file is not None else self.data_dir / "keys.json"


def _secret_from_file(name: str, environ: dict[str, str]) -> str | None:
    var = f"{PREFIX}{name.upper()}"
    path = environ.get(f"{var}_FILE")
    if path is None:
        return None
    if var in environ:
        raise ConfigError(f"set either {var} or {var}_FILE, not both", field=f"{var}_FILE")
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"cannot read the file it names ({exc.strerror})", field=f"{var}_FILE"
        ) from None
    if len(raw) > MAX_SECRET_FILE_BYTES:
        raise ConfigError(f"file is larger than {MAX_SECRET_FILE_BYTES} bytes", field=f"{var}_FILE")
    try:
        return raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise ConfigError("file is not UTF-8 text", field=f"{var}_FILE") from None


def load_settings(environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Read settings from the environment; raise ConfigError naming the first bad variable."""
    env = dict(os.environ if environ is None else environ)
    values: dict[str, Any] = {}
    for name in SECRET_FIELDS:
        secret = _secret_from_file(name, env)
        if secret is not None:
            values[name] = secret
    for field in Settings.model_fields:
        var = f"{PREFIX}{field.upper()}"
        if var in env and field not in values:
            values[field] = env[var]
    values.update(overrides)
    try:
        # Settings are built from the collected mapping alone so that the *_FILE variants win
        # consistently and the environment is read exactly once.
        return Settings.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "?"
        var = f"{PREFIX}{field.upper()}"
        shown = "" if field in SECRET_FIELDS else f" (got {str(first.get('input'))[:60]!r})"
        raise ConfigError(f"{first['msg']}{shown}", field=var, rule=first["type"]) from None
