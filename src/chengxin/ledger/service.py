"""Ledger verbs: append entries (inside the caller's transaction), sign checkpoints, and read
entries and proofs. Appends lock the one-row head, so concurrent writers queue instead of forking
the log; on SQLite the write transaction (BEGIN IMMEDIATE) already serialises them."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chengxin.bulk import bulk_insert
from chengxin.errors import Conflict, InvalidInput, NotFound
from chengxin.keys import KeyRing
from chengxin.ledger import merkle, note
from chengxin.ledger.entries import SUBJECT_KEY, canonical_json, entry_body
from chengxin.ledger.models import LedgerCheckpoint, LedgerEntry, LedgerHead, LedgerNode

HEAD_ID = 1
MAX_INDEX = 2**63 - 1  # BIGINT: larger indices are in no tree


def _size(session: Session, *, lock: bool) -> int:
    # The column, not the ORM object: an object already in the session's identity map (the
    # sessions keep objects across commits) would keep its old size even after FOR UPDATE.
    query = select(LedgerHead.size).where(LedgerHead.id == HEAD_ID)
    value = session.scalar(query.with_for_update() if lock else query)
    if value is None:  # the migration creates it; a missing head is a broken database
        raise NotFound("the ledger head row is missing; run `chengxin db upgrade`", field="ledger")
    return value


def size(session: Session) -> int:
    """The number of entries in the log (as of the session's transaction)."""
    return _size(session, lock=False)


def fetch_nodes(session: Session, needed: Iterable[merkle.Node]) -> dict[merkle.Node, bytes]:
    """Stored hashes of the given nodes: level 0 from the entries, higher levels from the nodes.

    One query, an index lookup per node. The nodes are asked for level by level
    (`level = l AND idx IN (…)`): SQLite answers a row-value `(level, idx) IN (…)` by scanning
    the whole table. The statement is written as text with the numbers in it: they are ints
    we computed, and building the same thing as a SQLAlchemy expression cost more than the
    lookups themselves (a proof touches some 20 levels)."""
    wanted = {(int(level), int(idx)) for level, idx in needed}
    by_level: dict[int, list[str]] = {}
    for level, idx in sorted(wanted):
        by_level.setdefault(level, []).append(str(idx))
    parts = []
    if 0 in by_level:
        leaves = ",".join(by_level.pop(0))
        parts.append(f"SELECT 0, idx, leaf_hash FROM ledger_entries WHERE idx IN ({leaves})")  # noqa: S608  (ints only)
    if by_level:
        levels = " OR ".join(
            f"(level = {level} AND idx IN ({','.join(indices)}))"
            for level, indices in by_level.items()
        )
        parts.append(f"SELECT level, idx, hash FROM ledger_nodes WHERE {levels}")  # noqa: S608  (ints only)
    found: dict[merkle.Node, bytes] = {}
    if parts:
        for level, idx, node in session.execute(text(" UNION ALL ".join(parts))):
            found[(level, idx)] = bytes.fromhex(node)
    missing = wanted - found.keys()
    if missing:
        raise NotFound(f"ledger node {min(missing)} is missing; run `chengxin ledger verify`")
    return found


def append_entries(
    session: Session, now: dt.datetime, entries: Sequence[Mapping[str, Any]]
) -> list[int]:
    """Append entries (JSON objects with a `kind`) in the caller's transaction; their indices.

    The tree's new perfect-subtree nodes are written with them. Only the right frontier of the
    tree is kept in memory, so a batch of millions stays small. The head row is locked first
    (SELECT … FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already holds the write lock),
    and moved on only from the size it was read at, so two writers can never both extend the
    same tree: the second waits, or fails on the unique index, and never forks the log."""
    if not entries:
        return []
    start = _size(session, lock=True)
    frontier = fetch_nodes(session, merkle.blocks(0, start))
    entry_rows: list[dict[str, Any]] = []
    node_rows: list[dict[str, Any]] = []
    for index, entry in enumerate(entries, start):
        body = entry_body(dict(entry), index=index, at=now)
        text = canonical_json(body)
        leaf = merkle.leaf_hash(text)
        frontier[(0, index)] = leaf
        for (level, idx), node in merkle.append_hashes(index, leaf, frontier.__getitem__):
            frontier[(level, idx)] = node
            del frontier[(level - 1, 2 * idx)], frontier[(level - 1, 2 * idx + 1)]
            node_rows.append({"level": level, "idx": idx, "hash": node.hex()})
        subject = body.get(SUBJECT_KEY)
        entry_rows.append(
            {
                "idx": index,
                "kind": body["kind"],
                "subject_id": uuid.UUID(subject) if subject is not None else None,
                "body": text.decode("utf-8"),
                "leaf_hash": leaf.hex(),
                "created_at": now,
            }
        )
    bulk_insert(session, LedgerEntry, entry_rows)
    bulk_insert(session, LedgerNode, node_rows)
    end = start + len(entry_rows)
    moved = session.execute(
        update(LedgerHead)
        .where(LedgerHead.id == HEAD_ID, LedgerHead.size == start)
        .values(size=end)
        .execution_options(synchronize_session=False)
    )
    if cast("CursorResult[Any]", moved).rowcount != 1:  # only without the lock: refuse to fork
        raise Conflict("another writer extended the ledger first; retry", field="ledger")
    return list(range(start, end))


def append_entry(session: Session, now: dt.datetime, entry: Mapping[str, Any]) -> int:
    return append_entries(session, now, [entry])[0]


def latest_checkpoint(session: Session) -> LedgerCheckpoint | None:
    return session.scalar(
        select(LedgerCheckpoint).order_by(LedgerCheckpoint.tree_size.desc()).limit(1)
    )


def sign_checkpoint(
    session: Session, keys: KeyRing, now: dt.datetime, *, origin: str
) -> LedgerCheckpoint | None:
    """Sign the current tree unless the latest checkpoint already covers it; the latest
    checkpoint (None while the log is empty). Safe to run from several processes at once."""
    latest = latest_checkpoint(session)
    tree_size = size(session)
    if tree_size == 0 or (latest is not None and latest.tree_size >= tree_size):
        return latest
    root = merkle.root_hash(tree_size, lambda needed: fetch_nodes(session, needed))
    body = note.checkpoint_body(origin, tree_size, root)
    signature = base64.b64encode(note.sign_body(body, keys.signing_key)).decode("ascii")
    row = LedgerCheckpoint(
        tree_size=tree_size, root_hash=root.hex(), timestamp=now, note=body, signature=signature
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # another process signed the same size first: same root, keep theirs
        return latest_checkpoint(session)
    return row


def get_entry(session: Session, index: int) -> tuple[LedgerEntry, dict[str, Any]]:
    """The stored entry at `index` and its JSON."""
    if index < 0:
        raise InvalidInput("must be 0 or more", field="index", rule="min")
    row = session.get(LedgerEntry, index) if index <= MAX_INDEX else None
    if row is None:
        raise NotFound(f"no entry has index {index}", field="index")
    entry: dict[str, Any] = json.loads(row.body)
    return row, entry


def _check_size(session: Session, tree_size: int, field: str) -> None:
    current = size(session)
    if tree_size < 1 or tree_size > current:
        raise InvalidInput(
            f"must be between 1 and the tree size {current}", field=field, rule="tree-size"
        )


def inclusion_proof(session: Session, index: int, tree_size: int) -> tuple[bytes, list[bytes]]:
    """(leaf hash, audit path) proving entry `index` is in the tree of `tree_size` leaves.
    Three queries at any size: the head, then the leaf and the path's nodes together."""
    _check_size(session, tree_size, "size")
    if not 0 <= index < tree_size:
        raise InvalidInput("must be at least 0 and below size", field="index", rule="leaf-index")
    ranges = merkle.inclusion_ranges(index, tree_size)
    nodes = fetch_nodes(session, merkle.needed_nodes(ranges) | {(0, index)})
    return nodes[(0, index)], merkle.inclusion_proof(index, tree_size, lambda _needed: nodes)


def consistency_proof(session: Session, first: int, second: int) -> list[bytes]:
    """Proof that the tree of `first` leaves is a prefix of the tree of `second` leaves."""
    _check_size(session, second, "second")
    if not 1 <= first <= second:
        raise InvalidInput("must be between 1 and second", field="first", rule="tree-size")
    return merkle.consistency_proof(first, second, lambda n: fetch_nodes(session, n))


def entries_about(session: Session, subject_id: uuid.UUID, kind: str) -> list[LedgerEntry]:
    return list(
        session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.subject_id == subject_id, LedgerEntry.kind == kind)
            .order_by(LedgerEntry.idx)
        )
    )
