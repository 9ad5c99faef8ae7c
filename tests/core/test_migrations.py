"""Models and migrations agree on both databases (autogenerate finds nothing)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from chengxin import migrate
from chengxin.db import make_engine


def test_sqlite_migrations_match_models_and_pragmas_are_on(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'c.db'}")
    assert migrate.current_revision(engine) is None
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision(engine)
    assert migrate.differences(engine) == []
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    migrate.upgrade(engine)  # a second upgrade is a no-op
    assert "persons" in inspect(engine).get_table_names()
    engine.dispose()


@pytest.mark.postgres
def test_postgres_migrations_match_models(pg_url: str) -> None:
    engine = make_engine(pg_url)
    assert migrate.current_revision(engine) == migrate.head_revision(engine)
    assert migrate.differences(engine) == []
    engine.dispose()


def test_foreign_keys_are_enforced_on_sqlite(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    migrate.upgrade(engine)
    with pytest.raises(Exception, match="FOREIGN KEY"), engine.begin() as conn:
        conn.execute(
            text(
                'INSERT INTO occupations (id, subject_id, "group", valid_from, created_at) '
                "VALUES ('00000000000000000000000000000001', '00000000000000000000000000000002', "
                "'lawyer', '2020-01-01', '2020-01-01 00:00:00')"
            )
        )
    engine.dispose()
