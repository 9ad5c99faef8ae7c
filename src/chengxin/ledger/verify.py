"""`chengxin ledger verify`: recompute the whole tree from the stored entries and check every
stored hash and every signed checkpoint, in index order. Reports the first bad index.

What each kind of tampering breaks, and where it is caught:
- an entry's body changed: it no longer hashes to its stored leaf hash (that index);
- body and leaf hash rewritten together: the stored tree node over it (the node's first index)
  or, if no node covers it yet, the next signed checkpoint (the first index it does not vouch for);
- an entry deleted: a gap (that index); two entries swapped or moved: the index inside the hashed
  body differs from where it stands (that index);
- the tail truncated: a checkpoint or the head counts more entries than are stored;
- a stored node changed: it differs from the node recomputed from the entries (its first index);
- a checkpoint row forged or altered: its signature, or its agreement with its signed note.
What no local check can catch: a truncation that also removes the later checkpoints, nodes and
head. That is what checkpoints held by outsiders and consistency proofs are for.

Read the log in one snapshot (`read_snapshot`): appends committed meanwhile are then not seen
half-way, and on SQLite the reader does not hold the write lock for the whole run.

`start` verifies the tail only, from a signed checkpoint (the console's bounded run): that
checkpoint's signature and the stored nodes that give its root, then everything after it as
above. The entries before it are vouched for by the signed root alone; their bodies are not
read again."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, and_, func, or_, select
from sqlalchemy.orm import Session

from chengxin.errors import NotFound
from chengxin.keys import KeyRing
from chengxin.ledger import merkle, note
from chengxin.ledger.entries import canonical_json
from chengxin.ledger.models import LedgerCheckpoint, LedgerEntry, LedgerNode
from chengxin.ledger.service import fetch_nodes, size
from chengxin.ledger.snapshot import read_snapshot

__all__ = ["VerifyReport", "read_snapshot", "tail_start", "verify_ledger"]

CHUNK = 10_000
MAX_LEVEL = 63


@dataclass(frozen=True)
class VerifyReport:
    entries: int  # entries checked (all of them when the log is good)
    checkpoints: int  # checkpoints that verified
    first_bad_index: int | None
    problem: str | None
    start: int = 0  # the first entry read (a tail run starts at a checkpoint's size)

    @property
    def ok(self) -> bool:
        return self.problem is None


class _Bad(Exception):
    def __init__(self, index: int, problem: str) -> None:
        super().__init__(problem)
        self.index = index
        self.problem = problem


def _entries(session: Session, start: int) -> Iterator[list[Any]]:
    """Stored entries from `start` in index order, a chunk at a time (keyset pagination)."""
    last = start - 1
    while True:
        chunk = list(
            session.execute(
                select(LedgerEntry.idx, LedgerEntry.body, LedgerEntry.leaf_hash)
                .where(LedgerEntry.idx > last).order_by(LedgerEntry.idx).limit(CHUNK)
            )
        )  # fmt: skip
        if not chunk:
            return
        yield chunk
        last = chunk[-1][0]


def _checkpoints(session: Session, start: int) -> Iterator[Row[int, str, str, str]]:
    """Checkpoint rows of size `start` and up in tree-size order, a chunk at a time (there is
    one every few seconds while entries arrive, so they are not all held in memory)."""
    columns = (LedgerCheckpoint.tree_size, LedgerCheckpoint.root_hash, LedgerCheckpoint.note,
               LedgerCheckpoint.signature)  # fmt: skip
    last: int | None = start - 1 if start else None
    while True:
        query = select(*columns).order_by(LedgerCheckpoint.tree_size).limit(CHUNK)
        if last is not None:
            query = query.where(LedgerCheckpoint.tree_size > last)
        chunk = list(session.execute(query))
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].tree_size


def _stored_nodes(session: Session, first: int, end: int) -> dict[merkle.Node, str]:
    """The stored nodes that leaves [first, end) complete: node (l, i) is completed by leaf
    (i + 1)·2^l − 1, so per level the indices form one range; one query for all levels."""
    ranges = []
    for level in range(1, MAX_LEVEL):
        if 1 << level > end:
            break
        low, high = -(-(first + 1) >> level), end >> level  # ⌈(first+1)/2^l⌉, ⌊end/2^l⌋
        if low <= high:
            ranges.append(
                and_(LedgerNode.level == level, LedgerNode.idx.between(low - 1, high - 1))
            )
    if not ranges:
        return {}
    query = select(LedgerNode.level, LedgerNode.idx, LedgerNode.hash).where(or_(*ranges))
    return {(level, idx): node for level, idx, node in session.execute(query)}


def _check_entry(idx: int, body: str, leaf_hash: str, expected: int) -> bytes:
    if idx != expected:
        raise _Bad(expected, f"entry {expected} is missing (the next stored entry is {idx})")
    try:
        value = json.loads(body)
    except ValueError:
        raise _Bad(expected, f"entry {expected} is not valid JSON: it was changed") from None
    if not isinstance(value, dict) or value.get("index") != expected:
        stated = value.get("index") if isinstance(value, dict) else None
        raise _Bad(expected, f"entry {expected} carries index {stated}: it was moved")
    text = body.encode("utf-8")
    leaf = merkle.leaf_hash(text)
    if leaf.hex() != leaf_hash:
        raise _Bad(expected, f"entry {expected} does not match its leaf hash: it was changed")
    if canonical_json(value) != text:
        raise _Bad(expected, f"entry {expected} is not in canonical form: it was rewritten")
    return leaf


def _check_checkpoint(
    cp: Row[int, str, str, str], root: bytes, public_key: bytes, origin: str, good_until: int
) -> None:
    """`good_until`: the size of the last checkpoint that verified. Entries from there on are
    what a bad checkpoint leaves unconfirmed, so that is the index reported."""
    where = f"checkpoint {cp.tree_size}"
    try:
        signature = base64.b64decode(cp.signature, validate=True)
    except (binascii.Error, ValueError):
        raise _Bad(
            good_until, f"{where}: the signature is not base64: the row was altered"
        ) from None
    if not note.verify_body(cp.note, signature, public_key):
        raise _Bad(good_until, f"{where}: the signature does not verify: the row was forged")
    try:
        signed_origin, signed_size, signed_root = note.parse_checkpoint_body(cp.note)
    except ValueError as exc:
        raise _Bad(good_until, f"{where}: the signed note is malformed ({exc})") from None
    if signed_origin != origin:
        raise _Bad(good_until, f"{where}: signed for origin {signed_origin!r}, not {origin!r}")
    if signed_size != cp.tree_size or signed_root.hex() != cp.root_hash:
        raise _Bad(good_until, f"{where}: tree_size/root_hash differ from its signed note")
    if signed_root != root:
        raise _Bad(
            good_until,
            f"{where}: entries {good_until} to {cp.tree_size - 1} do not give the signed root: "
            "one of them was changed",
        )


class _Walk:
    """The state of one pass over the log: the tree's right frontier and the next checkpoint."""

    def __init__(self, session: Session, keys: KeyRing, origin: str, start: int) -> None:
        self.public_key, self.origin = keys.public_key_raw, origin
        self.frontier: dict[merkle.Node, bytes] = {}
        self.count = 0  # entries that checked out (or that a tail run starts after)
        self.good_until = 0  # size of the last checkpoint that verified
        self.done = 0  # checkpoints that verified
        self._checkpoints = _checkpoints(session, start)
        self.next_cp = next(self._checkpoints, None)

    def resume(self, session: Session, start: int) -> None:
        """Go on from the checkpoint of size `start`, whose root the stored nodes of the tree's
        frontier there must give (checked with the checkpoint, at the next step)."""
        if self.next_cp is None or self.next_cp.tree_size != start:
            raise _Bad(0, f"no checkpoint of size {start} was signed: verify the whole log")
        try:
            self.frontier = fetch_nodes(session, merkle.blocks(0, start))
        except NotFound:
            raise _Bad(0, f"the stored tree nodes of checkpoint {start} are missing") from None
        self.count = start

    def checkpoints_at_count(self) -> None:
        while self.next_cp is not None and self.next_cp.tree_size <= self.count:
            cp = self.next_cp
            if cp.tree_size < self.count:  # only a negative size can be behind the walk
                raise _Bad(0, f"checkpoint {cp.tree_size} has an impossible tree size: forged")
            root = (
                merkle.range_hash(0, self.count, self.frontier) if self.count else merkle.EMPTY_ROOT
            )
            _check_checkpoint(cp, root, self.public_key, self.origin, self.good_until)
            self.good_until, self.done = self.count, self.done + 1
            self.next_cp = next(self._checkpoints, None)

    def append(self, leaf: bytes, stored: dict[merkle.Node, str]) -> None:
        index = self.count
        self.frontier[(0, index)] = leaf
        for (level, idx), node in merkle.append_hashes(index, leaf, self.frontier.__getitem__):
            if stored.get((level, idx)) != node.hex():
                first, last = idx << level, ((idx + 1) << level) - 1
                raise _Bad(
                    first,
                    f"tree node (level {level}, index {idx}) does not match entries {first} to "
                    f"{last}: the node or one of those entries was changed",
                )
            self.frontier[(level, idx)] = node
            del self.frontier[(level - 1, 2 * idx)], self.frontier[(level - 1, 2 * idx + 1)]
        self.count += 1


def verify_ledger(session: Session, keys: KeyRing, *, origin: str, start: int = 0) -> VerifyReport:
    """Check the whole log, or with `start` (the size of a signed checkpoint) its tail from
    there; the first problem found, in index order, is reported."""
    walk = _Walk(session, keys, origin, start)
    try:
        if start:
            walk.resume(session, start)
        walk.checkpoints_at_count()
        for chunk in _entries(session, start):
            stored = _stored_nodes(session, walk.count, walk.count + len(chunk))
            for idx, body, leaf_hash in chunk:
                walk.append(_check_entry(idx, body, leaf_hash, walk.count), stored)
                walk.checkpoints_at_count()
        _check_ends(session, walk)
    except _Bad as bad:
        return VerifyReport(max(walk.count - start, 0), walk.done, bad.index, bad.problem, start)
    return VerifyReport(walk.count - start, walk.done, None, None, start)


def tail_start(session: Session, keep: int) -> int:
    """Where a run reading about `keep` entries starts: the newest signed checkpoint at least
    `keep` entries behind the head, else the oldest one; 0 (the whole log) when the log is no
    longer than `keep` or has no checkpoint."""
    head = size(session)
    if head <= keep:
        return 0
    sizes = LedgerCheckpoint.tree_size
    behind = session.scalar(select(func.max(sizes)).where(sizes > 0, sizes <= head - keep))
    return behind or session.scalar(select(func.min(sizes)).where(sizes > 0)) or 0


def _check_ends(session: Session, walk: _Walk) -> None:
    count = walk.count
    if walk.next_cp is not None:
        signed = walk.next_cp.tree_size
        raise _Bad(
            count,
            f"checkpoint {signed} was signed but only {count} entries are stored: entries "
            f"{count} to {signed - 1} were removed (truncated)",
        )
    head = size(session)
    if head != count:
        raise _Bad(min(head, count), f"the head says {head} entries, {count} are stored")
    stored = session.scalar(select(func.count()).select_from(LedgerNode)) or 0
    if stored != count - count.bit_count():  # Σ_{l≥1} ⌊count / 2^l⌋ nodes, all checked above
        extra = session.execute(
            select(LedgerNode.level, LedgerNode.idx)
            .where(or_(LedgerNode.level < 1, LedgerNode.level >= MAX_LEVEL, LedgerNode.idx < 0,
                       *(and_(LedgerNode.level == lv, LedgerNode.idx >= count >> lv)
                         for lv in range(1, MAX_LEVEL))))
            .limit(1)
        ).first()  # fmt: skip
        where = f"(level {extra[0]}, index {extra[1]})" if extra else "(unknown)"
        raise _Bad(count, f"tree node {where} lies beyond the {count} entries: left over or forged")
