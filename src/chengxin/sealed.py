"""Sealed (encrypted) columns: one registry, so `keys reencrypt` finds every one of them.

A sealed value's associated data is "table.column:row-id", so a ciphertext copied into another
row or column does not open (R-1.4).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from chengxin.keys import KeyRing


@dataclass(frozen=True)
class SealedColumn:
    model: type[DeclarativeBase]
    column: str

    @property
    def table(self) -> str:
        return str(self.model.__tablename__)


SEALED: list[SealedColumn] = []


def sealed_columns(model: type[DeclarativeBase], *columns: str) -> None:
    """Declare columns of `model` (whose primary key is `id`) as sealed."""
    SEALED.extend(SealedColumn(model, c) for c in columns)


def associated_data(table: str, column: str, row_id: uuid.UUID) -> bytes:
    return f"{table}.{column}:{row_id}".encode()


def seal(keys: KeyRing, table: str, column: str, row_id: uuid.UUID, value: str) -> bytes:
    return keys.encrypt(value, associated_data(table, column, row_id))


def unseal(keys: KeyRing, table: str, column: str, row_id: uuid.UUID, token: bytes) -> str:
    return keys.decrypt(token, associated_data(table, column, row_id))


def reencrypt_all(
    factory: sessionmaker[Session], keys: KeyRing, batch: int = 1000
) -> dict[str, int]:
    """Move every sealed value to the newest data key; returns rows rewritten per column.

    Each batch commits on its own: re-sealing is idempotent, so an interrupted run is simply run
    again. The plaintext never leaves this function.
    """
    target = keys.current_version
    counts: dict[str, int] = {}
    for sc in SEALED:
        column = getattr(sc.model, sc.column)
        key = getattr(sc.model, "id")  # noqa: B009  (every sealed model's key is `id`)
        done = 0
        last: uuid.UUID | None = None
        while True:
            with factory() as session, session.begin():
                query = select(key, column).where(column.is_not(None)).order_by(key).limit(batch)
                if last is not None:
                    query = query.where(key > last)
                rows = session.execute(query).all()
                for row_id, token in rows:
                    if KeyRing.token_version(token) == target:
                        continue
                    ad = associated_data(sc.table, sc.column, row_id)
                    session.execute(
                        update(sc.model)
                        .where(key == row_id)
                        .values({sc.column: keys.encrypt(keys.decrypt(token, ad), ad)})
                    )
                    done += 1
            if len(rows) < batch:
                break
            last = rows[-1][0]
        counts[f"{sc.table}.{sc.column}"] = done
    return counts
