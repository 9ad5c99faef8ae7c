"""R-3.3 the ledger in the database: appends one by one and in batches give the same tree as the
in-memory model, checkpoints are signed once per size, and proofs served from the stored nodes
pass the auditor's own verifier (docs/verify_proof.py, written apart from the prover)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from chengxin.errors import InvalidInput, NotFound
from chengxin.keys import KeyRing
from chengxin.ledger import note, service
from chengxin.ledger.merkle import MemoryTree
from chengxin.ledger.models import LedgerCheckpoint, LedgerEntry, LedgerHead, LedgerNode
from tests.support import load_verifier

ORIGIN = "chengxin/ledger/110000"
SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "verify_proof.py"


def stored_tree(session: Session) -> MemoryTree:
    """The in-memory model over the stored entry bodies, in index order."""
    tree = MemoryTree()
    for body in session.scalars(select(LedgerEntry.body).order_by(LedgerEntry.idx)):
        tree.append(body.encode("utf-8"))
    return tree


def stored_nodes(session: Session) -> dict[tuple[int, int], bytes]:
    nodes = {
        (0, i): bytes.fromhex(h)
        for i, h in session.execute(select(LedgerEntry.idx, LedgerEntry.leaf_hash))
    }
    nodes.update(((lv, i), bytes.fromhex(h)) for lv, i, h in session.execute(select(LedgerNode.level, LedgerNode.idx, LedgerNode.hash)))  # fmt: skip
    return nodes


def test_appends_one_by_one_and_batched_store_the_memory_tree(
    sessions: sessionmaker[Session], now: dt.datetime
) -> None:
    subject = uuid.uuid4()
    batches = [1, 1, 1, 5, 1, 8, 16, 3, 64, 1, 2]  # sizes crossing many power-of-two boundaries
    given: list[dict[str, object]] = []
    with sessions() as session:
        for n, batch in enumerate(batches):
            entries = [{"kind": "query", "n": n, "k": k, "text": "诚信"} for k in range(batch)]
            if n % 2:
                entries[0]["subject"] = str(subject)
            at = now + dt.timedelta(seconds=n)
            with session.begin():
                indices = (
                    [service.append_entry(session, at, entries[0])]
                    if batch == 1
                    else service.append_entries(session, at, entries)
                )
            assert indices == list(range(len(given), len(given) + batch))
            given += entries
            with session.begin():
                assert service.size(session) == len(given)
                assert stored_nodes(session) == stored_tree(session).nodes
        with session.begin():
            rows = list(session.scalars(select(LedgerEntry).order_by(LedgerEntry.idx)))
    assert len(rows) == len(given) == sum(batches)
    for i, (row, entry) in enumerate(zip(rows, given, strict=True)):
        body = json.loads(row.body)
        assert body == {**entry, "index": i, "at": body["at"]}
        assert dt.datetime.fromisoformat(body["at"]) == row.created_at
        assert row.body == json.dumps(
            body, ensure_ascii=False, sort_keys=True, separators=(",", ":")
        )
        assert row.leaf_hash == hashlib.sha256(b"\x00" + row.body.encode()).hexdigest()
        assert row.kind == "query"
        assert row.subject_id == (subject if entry.get("subject") else None)
    with sessions() as session:
        about = service.entries_about(session, subject, "query")
    assert [r.idx for r in about] == [i for i, e in enumerate(given) if e.get("subject")]


def test_an_empty_batch_writes_nothing(sessions: sessionmaker[Session], now: dt.datetime) -> None:
    with sessions() as session, session.begin():
        assert service.append_entries(session, now, []) == []
        assert service.size(session) == 0


def test_a_session_kept_across_transactions_appends_after_the_others(
    sessions: sessionmaker[Session], now: dt.datetime
) -> None:
    """The head is read from the database on every append, never from an object the session
    still holds from an earlier transaction."""
    mine, other = sessions(), sessions()
    with mine.begin():
        service.append_entry(mine, now, {"kind": "query"})
        held = mine.get(LedgerHead, 1)  # an object the session keeps (expire_on_commit=False)
    with other.begin():
        assert service.append_entries(other, now, [{"kind": "query"}] * 3) == [1, 2, 3]
    with mine.begin():
        assert service.append_entry(mine, now, {"kind": "query"}) == 4
    with other.begin():
        assert service.size(other) == 5
        assert stored_nodes(other) == stored_tree(other).nodes
    assert held is not None
    mine.close()
    other.close()


@pytest.mark.parametrize(
    ("entry", "message"),
    [({"kind": "gossip"}, "kind must be one of"),
     ({"kind": "query", "index": 3}, "index and time from the ledger"),
     ({"kind": "query", "at": "2026-01-01"}, "index and time from the ledger"),
     ({"kind": "query", "subject": "11010519491231002X"}, "subject id"),
     ({"kind": "query", "subject": str(uuid.uuid4()).upper()}, "subject id"),
     ({"kind": "query", "subject": 7}, "subject id"),
     ({"kind": "query", "amount": float("nan")}, "not JSON compliant")],
)  # fmt: skip
def test_entries_that_break_the_format_are_refused_and_nothing_is_written(
    sessions: sessionmaker[Session], now: dt.datetime, entry: dict[str, object], message: str
) -> None:
    with sessions() as session:
        with session.begin():
            service.append_entry(session, now, {"kind": "query"})
        with pytest.raises(ValueError, match=message), session.begin():
            service.append_entries(session, now, [{"kind": "consent"}, entry])
        with session.begin():
            assert service.size(session) == 1
            assert session.scalar(select(func.count()).select_from(LedgerEntry)) == 1


def test_naive_times_are_refused(sessions: sessionmaker[Session], now: dt.datetime) -> None:
    with sessions() as session, pytest.raises(ValueError, match="timezone"), session.begin():
        service.append_entry(session, now.replace(tzinfo=None), {"kind": "query"})


def test_checkpoints_are_signed_once_per_size(
    sessions: sessionmaker[Session], keys: KeyRing, now: dt.datetime
) -> None:
    public = Ed25519PublicKey.from_public_bytes(keys.public_key_raw)
    with sessions() as session:
        with session.begin():
            assert service.sign_checkpoint(session, keys, now, origin=ORIGIN) is None  # empty log
            service.append_entries(session, now, [{"kind": "query", "n": n} for n in range(13)])
        with session.begin():
            first = service.sign_checkpoint(session, keys, now, origin=ORIGIN)
        later = now + dt.timedelta(seconds=5)
        with session.begin():
            again = service.sign_checkpoint(session, keys, later, origin=ORIGIN)
        assert first is not None
        assert again is not None
        assert (again.tree_size, again.root_hash, again.timestamp) == (13, first.root_hash, now)
        with session.begin():
            tree = stored_tree(session)
            assert session.scalar(select(func.count()).select_from(LedgerCheckpoint)) == 1
            service.append_entry(session, later, {"kind": "consent"})
        with session.begin():
            second = service.sign_checkpoint(session, keys, later, origin=ORIGIN)
            assert second is not None
            assert service.latest_checkpoint(session) is second
            sizes = session.scalars(
                select(LedgerCheckpoint.tree_size).order_by(LedgerCheckpoint.tree_size)
            )
            assert list(sizes) == [13, 14]
    assert first.root_hash == tree.root().hex()
    assert first.note == f"{ORIGIN}\n13\n{base64.b64encode(tree.root()).decode()}\n"
    public.verify(base64.b64decode(first.signature), first.note.encode())  # raises if bad
    assert second.timestamp == later
    # The signature is the one of a C2SP signed note with the origin as key name: rebuilding
    # the note from the served fields gives one Go's note.Open would accept.
    blob = note.key_id(ORIGIN, keys.public_key_raw) + base64.b64decode(second.signature)
    signed = f"{second.note}\n\u2014 {ORIGIN} {base64.b64encode(blob).decode()}\n"
    assert note.open_signed_note(signed, ORIGIN, keys.public_key_raw) == second.note


def test_proofs_from_the_database_equal_the_model_and_pass_the_auditors_verifier(
    sessions: sessionmaker[Session], now: dt.datetime
) -> None:
    check = load_verifier()
    with sessions() as session:
        with session.begin():
            for batch in (1, 2, 4, 9, 17, 6):
                service.append_entries(
                    session, now, [{"kind": "record_version", "b": batch}] * batch
                )
        with session.begin():
            tree = stored_tree(session)
            assert tree.size == 39
            roots = {n: tree.root(n) for n in range(1, 40)}
            for size in (1, 2, 3, 7, 8, 16, 17, 32, 33, 39):
                for index in range(size):
                    leaf, path = service.inclusion_proof(session, index, size)
                    assert leaf == tree.nodes[(0, index)]
                    assert path == tree.inclusion_proof(index, size)
                    assert check.verify_inclusion(index, size, leaf, path, roots[size])
                    if index + 1 < size:
                        assert not check.verify_inclusion(index + 1, size, leaf, path, roots[size])
            for second in (1, 2, 3, 5, 8, 13, 16, 17, 31, 32, 33, 39):
                for first in range(1, second + 1):
                    proof = service.consistency_proof(session, first, second)
                    assert proof == tree.consistency_proof(first, second)
                    assert check.verify_consistency(
                        first, second, proof, roots[first], roots[second]
                    )
                    if first < second:
                        assert not check.verify_consistency(
                            first, second, proof, roots[second], roots[second]
                        )


@pytest.mark.parametrize(
    ("call", "field"),
    [(lambda s: service.inclusion_proof(s, 5, 5), "index"),
     (lambda s: service.inclusion_proof(s, -1, 5), "index"),
     (lambda s: service.inclusion_proof(s, 0, 0), "size"),
     (lambda s: service.inclusion_proof(s, 0, 11), "size"),
     (lambda s: service.consistency_proof(s, 0, 5), "first"),
     (lambda s: service.consistency_proof(s, 6, 5), "first"),
     (lambda s: service.consistency_proof(s, 1, 11), "second"),
     (lambda s: service.get_entry(s, -1), "index")],
)  # fmt: skip
def test_impossible_proofs_are_refused_naming_the_field(
    sessions: sessionmaker[Session], now: dt.datetime, call: object, field: str
) -> None:
    with sessions() as session:
        with session.begin():
            service.append_entries(session, now, [{"kind": "query"}] * 10)
        with pytest.raises(InvalidInput) as refused, session.begin():
            call(session)  # type: ignore[operator]
    assert refused.value.field == field


def test_entries_beyond_the_log_are_not_found(
    sessions: sessionmaker[Session], now: dt.datetime
) -> None:
    with sessions() as session:
        with session.begin():
            service.append_entries(session, now, [{"kind": "query", "n": n} for n in range(3)])
        with session.begin():
            row, entry = service.get_entry(session, 2)
            assert (row.idx, entry["n"], entry["index"]) == (2, 2, 2)
            for index in (3, 2**63 - 1, 2**63, 2**70):
                with pytest.raises(NotFound) as missing:
                    service.get_entry(session, index)
                assert missing.value.field == "index"
