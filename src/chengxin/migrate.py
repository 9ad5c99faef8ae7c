"""Schema migrations through Alembic, driven from Python (no alembic.ini needed)."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, String

from chengxin.db import all_models_metadata


def compare_type(
    context: MigrationContext, _inspected_column: object, _metadata_column: object,
    inspected_type: object, metadata_type: object,
) -> bool | None:  # fmt: skip
    """Alembic's type comparison, except that SQLite ignores a VARCHAR's length: there two
    strings differing in length only are the same (widening one would rebuild its table, which
    the foreign keys pointing at it forbid). None: Alembic's default comparison."""
    strings = isinstance(inspected_type, String) and isinstance(metadata_type, String)
    return False if context.dialect.name == "sqlite" and strings else None


def _config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "chengxin:migrations")
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    cfg = _config(engine)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(_config(engine)).get_current_head()


def differences(engine: Engine) -> list[Any]:
    """What autogenerate would add to make the database match the models (empty when they agree)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": compare_type, "compare_server_default": True},
        )
        return list(compare_metadata(context, all_models_metadata()))


def revision(engine: Engine, message: str) -> None:
    """Autogenerate a new migration file (developer command)."""
    cfg = _config(engine)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.revision(cfg, message=message, autogenerate=True)
