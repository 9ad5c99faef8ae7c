"""Alembic environment: runs on the connection that `chengxin.migrate` hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from chengxin.db import all_models_metadata
from chengxin.migrate import compare_type

target_metadata = all_models_metadata()


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=compare_type,
        compare_server_default=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline SQL generation is not supported; run `chengxin db upgrade`")
run(context.config.attributes["connection"])
