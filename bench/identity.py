"""Identity throughput: ID parsing, blind index, sealing, and registration on SQLite/PostgreSQL.

Run: .venv/bin/python -m bench.identity [--people N] [--postgres URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.common import machine, rate
from chengxin import migrate
from chengxin.db import make_engine, session_factory
from chengxin.demo.generator import generate
from chengxin.identity import service
from chengxin.identity.numbers import parse_id_number
from chengxin.keys import new_key_ring
from chengxin.sealed import seal, unseal

NOW = dt.datetime(2026, 11, 26, tzinfo=dt.UTC)


def register_all(url: str, people: int) -> None:
    engine = make_engine(url)
    migrate.upgrade(engine)
    factory = session_factory(engine)
    keys = new_key_ring(NOW)
    data = generate(people, 1, NOW.date())

    def work() -> None:
        with factory() as session, session.begin():
            for p in data.people:
                service.register_person(session, keys, NOW, p.id_number, p.name, actor="bench")

    rate(f"register_person, one transaction ({engine.dialect.name})", people, work)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    args = parser.parse_args()
    print(f"machine: {machine()}")  # noqa: T201
    keys = new_key_ring(NOW)
    numbers = [p.id_number for p in generate(args.people, 2, NOW.date()).people]
    rate("parse_id_number", len(numbers), lambda: [parse_id_number(n, NOW.date()) for n in numbers])
    rate("blind_index", len(numbers), lambda: [keys.blind_index("person-id", n) for n in numbers])
    row = uuid.uuid4()
    tokens: list[bytes] = []
    rate("seal", len(numbers), lambda: tokens.extend(seal(keys, "t", "c", row, n) for n in numbers))
    rate("unseal", len(tokens), lambda: [unseal(keys, "t", "c", row, t) for t in tokens])
    with tempfile.TemporaryDirectory() as tmp:
        register_all(f"sqlite:///{Path(tmp) / 'bench.db'}", args.people)
    name = f"chengxin_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        register_all(args.postgres.rsplit("/", 1)[0] + f"/{name}", args.people)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
