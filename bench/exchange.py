"""Exchange packages (R-5.1): messages packed and unpacked per second — canonical JSON, schema
validation, gzip and the Ed25519 signature — for full packages of correction messages; and
record versions applied per second as copies at a receiving node (R-5.2: the person found or
registered under the node's own blind index, the copy, its version, its ledger entry), in
transactions of one package (200 messages) on SQLite and on PostgreSQL.

Run: .venv/bin/python -m bench.exchange [--messages 10000] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import tempfile
import uuid
from pathlib import Path

from tests.exchange.examples import EXAMPLES, ORIGIN, message_id

from bench.common import machine, rate
from bench.ingest import pg_database
from chengxin import migrate
from chengxin.db import make_engine, session_factory
from chengxin.exchange.copies import Outcome, apply_message
from chengxin.exchange.messages import Message, PersonRef
from chengxin.exchange.outbox import MAX_MESSAGES
from chengxin.exchange.packages import Limits, pack, unpack
from chengxin.identity.numbers import check_character
from chengxin.keys import KeyRing, new_key_ring
from chengxin.workdays.loader import load_calendar

NOW = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    count = args.messages
    keys = new_key_ring(NOW)
    template = EXAMPLES["correction"]
    messages = [dataclasses.replace(template, id=message_id(n)) for n in range(count)]
    limits = Limits(max_messages=count)
    print(machine())  # noqa: T201
    data = b""

    def packed() -> None:
        nonlocal data
        data = pack(messages, sender="CN-330000", receiver="CN-NATIONAL", sequence=1,
                    created_at=NOW, signer=keys, limits=limits)  # fmt: skip

    rate(f"pack ({count:,} corrections)", count, packed)
    print(f"package size: {len(data):,} bytes gzipped")  # noqa: T201
    rate(f"unpack and verify ({count:,} corrections)", count,
         lambda: unpack(data, sender="CN-330000", sender_key=keys.public_key_raw,
                        receiver="CN-NATIONAL", limits=limits))  # fmt: skip
    versions = record_versions(count)
    with tempfile.TemporaryDirectory() as folder:
        applied("SQLite", f"sqlite:///{Path(folder) / 'node.db'}", versions, keys)
    if not args.skip_postgres:
        with pg_database(args.postgres) as url:
            applied("PostgreSQL", url, versions, keys)


def record_versions(count: int) -> list[Message]:
    """First versions of `count` records, each about another person."""
    template = EXAMPLES["record_version"]
    messages: list[Message] = []
    for n in range(count):
        number = f"330106{1960 + n // 1000 % 40}0101{n % 1000:03d}"  # distinct below 40,000
        messages.append(dataclasses.replace(
            template, id=message_id(n), record_id=uuid.UUID(int=n + 1),
            subject=PersonRef(number + check_character(number), "张三"),
        ))  # fmt: skip
    return messages


def applied(label: str, url: str, messages: list[Message], keys: KeyRing) -> None:
    engine = make_engine(url)
    migrate.upgrade(engine)
    sessions, calendar = session_factory(engine), load_calendar()

    def work() -> None:
        for start in range(0, len(messages), MAX_MESSAGES):
            with sessions() as session, session.begin():
                for message in messages[start : start + MAX_MESSAGES]:
                    done = apply_message(session, keys, calendar, NOW, sender=ORIGIN,
                                         message=message)  # fmt: skip
                    if done.outcome is not Outcome.APPLIED:
                        raise SystemExit(f"not applied: {done}")

    rate(f"apply as copies, {label} ({len(messages):,} records)", len(messages), work)
    engine.dispose()


if __name__ == "__main__":
    main()
