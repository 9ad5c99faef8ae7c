"""R-3.3 tamper evidence: every way of changing the stored log — an entry's body, a deleted or
moved entry, a truncated tail, a consistent rewrite of body and leaf hash, a changed tree node,
a forged checkpoint — is found by `verify_ledger` and by `chengxin ledger verify`, which exits 1
and names the first bad index. What no local check can see (a truncation that also removes the
later checkpoints) is caught by an outsider holding an old checkpoint."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from chengxin import migrate
from chengxin.cli import main
from chengxin.db import make_engine, session_factory
from chengxin.keys import KeyRing, create_key_file
from chengxin.ledger import service
from chengxin.ledger.models import LedgerCheckpoint, LedgerEntry, LedgerHead, LedgerNode
from chengxin.ledger.verify import verify_ledger
from chengxin.settings import load_settings
from tests.conftest import NOW, fresh_pg_database
from tests.support import load_verifier

ORIGIN = "chengxin/ledger/110000"  # the default region's origin, as the CLI uses
SIZES = (5, 8, 16, 21)  # a checkpoint is signed at each of these sizes
SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "verify_proof.py"


def canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def leaf(body: str) -> str:
    return hashlib.sha256(b"\x00" + body.encode()).hexdigest()


def parent(left: str, right: str) -> str:
    return hashlib.sha256(b"\x01" + bytes.fromhex(left) + bytes.fromhex(right)).hexdigest()


def build(factory: sessionmaker[Session], keys: KeyRing) -> None:
    """21 entries in four transactions, a checkpoint signed after each."""
    with factory() as session:
        done = 0
        for n, upto in enumerate(SIZES):
            at = NOW + dt.timedelta(seconds=n)
            with session.begin():
                entries = [{"kind": "record_version", "seq": i, "subject": str(uuid.UUID(int=i))}
                           for i in range(done, upto)]  # fmt: skip
                service.append_entries(session, at, entries)
            with session.begin():
                service.sign_checkpoint(session, keys, at, origin=ORIGIN)
            done = upto


# --- the tamperings: each changes the stored log with plain SQL, as an intruder would ----------


def body_of(session: Session, idx: int) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(
        session.scalars(select(LedgerEntry.body).where(LedgerEntry.idx == idx)).one()
    )
    return value


def set_entry(session: Session, idx: int, **values: Any) -> None:
    session.execute(update(LedgerEntry).where(LedgerEntry.idx == idx).values(**values))


def update_body(session: Session) -> None:
    set_entry(session, 6, body=canonical({**body_of(session, 6), "seq": 999}))


def delete_entry(session: Session) -> None:
    session.execute(delete(LedgerEntry).where(LedgerEntry.idx == 9))


def swap_entries(session: Session) -> None:
    rows = dict(
        session.execute(
            select(LedgerEntry.idx, LedgerEntry.body).where(LedgerEntry.idx.in_([3, 11]))
        ).all()
    )
    set_entry(session, 3, body=rows[11], leaf_hash=leaf(rows[11]))
    set_entry(session, 11, body=rows[3], leaf_hash=leaf(rows[3]))


def swap_and_renumber(session: Session) -> None:
    """Swap two entries and rewrite the index inside each, with matching leaf hashes."""
    three, eleven = body_of(session, 3), body_of(session, 11)
    for idx, body in ((3, {**eleven, "index": 3}), (11, {**three, "index": 11})):
        set_entry(session, idx, body=canonical(body), leaf_hash=leaf(canonical(body)))


def truncate_tail(session: Session) -> None:
    session.execute(delete(LedgerEntry).where(LedgerEntry.idx >= 17))


def truncate_tail_nodes_and_head(session: Session) -> None:
    truncate_tail(session)
    session.execute(delete(LedgerNode).where(((LedgerNode.idx + 1) * (2 ** LedgerNode.level)) > 17))  # fmt: skip
    session.execute(update(LedgerHead).values(size=17))


def rewrite(idx: int) -> Callable[[Session], None]:
    """Change an entry and store the leaf hash of its new body: the entry checks out alone."""

    def tamper(session: Session) -> None:
        body = canonical({**body_of(session, idx), "seq": -1})
        set_entry(session, idx, body=body, leaf_hash=leaf(body))

    tamper.__name__ = f"rewrite_entry_{idx}"
    return tamper


def rewrite_with_nodes(session: Session) -> None:
    """Rewrite entry 10 and every stored node above it: only a signed root can tell."""
    rewrite(10)(session)
    hashes = dict(session.execute(select(LedgerEntry.idx, LedgerEntry.leaf_hash)).all())
    level, index, current = 0, 10, hashes
    while True:
        level, index = level + 1, index // 2
        parents = {i: parent(current[2 * i], current[2 * i + 1]) for i in range(len(current) // 2)}
        if index not in parents:
            break
        session.execute(update(LedgerNode).where(LedgerNode.level == level, LedgerNode.idx == index).values(hash=parents[index]))  # fmt: skip
        current = parents


def change_node(session: Session) -> None:
    session.execute(update(LedgerNode).where(LedgerNode.level == 2, LedgerNode.idx == 1).values(hash="ab" * 32))  # fmt: skip


def delete_node(session: Session) -> None:
    session.execute(delete(LedgerNode).where(LedgerNode.level == 3, LedgerNode.idx == 0))


def forge_root_column(session: Session) -> None:
    session.execute(update(LedgerCheckpoint).where(LedgerCheckpoint.tree_size == 16).values(root_hash="cd" * 32))  # fmt: skip


def forge_checkpoint_with_another_key(session: Session) -> None:
    body = f"{ORIGIN}\n10\n{base64.b64encode(bytes(32)).decode()}\n"
    signature = base64.b64encode(Ed25519PrivateKey.generate().sign(body.encode())).decode()
    session.execute(insert(LedgerCheckpoint).values(tree_size=10, root_hash="00" * 32, timestamp=NOW, note=body, signature=signature))  # fmt: skip


def alter_signed_note(session: Session) -> None:
    """Give checkpoint 21 the root of another tree, keeping its signature."""
    other = base64.b64encode(hashlib.sha256(b"another tree").digest()).decode()
    session.execute(update(LedgerCheckpoint).where(LedgerCheckpoint.tree_size == 21).values(note=f"{ORIGIN}\n21\n{other}\n"))  # fmt: skip


def move_head(session: Session) -> None:
    session.execute(update(LedgerHead).values(size=25))


def add_node_beyond(session: Session) -> None:
    session.execute(insert(LedgerNode).values(level=1, idx=10, hash="ef" * 32))


CASES: list[tuple[Callable[[Session], None], int, str]] = [
    (update_body, 6, "entry 6 does not match its leaf hash: it was changed"),
    (delete_entry, 9, "entry 9 is missing (the next stored entry is 10)"),
    (swap_entries, 3, "entry 3 carries index 11: it was moved"),
    (swap_and_renumber, 2, "tree node (level 1, index 1) does not match entries 2 to 3: the node or one of those entries was changed"),
    (truncate_tail, 17, "checkpoint 21 was signed but only 17 entries are stored: entries 17 to 20 were removed (truncated)"),
    (truncate_tail_nodes_and_head, 17, "checkpoint 21 was signed but only 17 entries are stored"),
    (rewrite(6), 6, "tree node (level 1, index 3) does not match entries 6 to 7"),
    (rewrite(7), 6, "tree node (level 1, index 3) does not match entries 6 to 7"),
    (rewrite(20), 16, "checkpoint 21: entries 16 to 20 do not give the signed root: one of them was changed"),
    (rewrite_with_nodes, 8, "checkpoint 16: entries 8 to 15 do not give the signed root"),
    (change_node, 4, "tree node (level 2, index 1) does not match entries 4 to 7"),
    (delete_node, 0, "tree node (level 3, index 0) does not match entries 0 to 7"),
    (forge_root_column, 8, "checkpoint 16: tree_size/root_hash differ from its signed note"),
    (forge_checkpoint_with_another_key, 8, "checkpoint 10: the signature does not verify: the row was forged"),
    (alter_signed_note, 16, "checkpoint 21: the signature does not verify"),
    (move_head, 21, "the head says 25 entries, 21 are stored"),
    (add_node_beyond, 21, "tree node (level 1, index 10) lies beyond the 21 entries"),
]  # fmt: skip
IDS = [tamper.__name__ for tamper, _, _ in CASES]


# --- verify_ledger, on SQLite and PostgreSQL --------------------------------------------------


def test_an_untouched_log_verifies(sessions: sessionmaker[Session], keys: KeyRing) -> None:
    build(sessions, keys)
    with sessions() as session:
        report = verify_ledger(session, keys, origin=ORIGIN)
    assert (
        report.ok,
        report.entries,
        report.checkpoints,
        report.first_bad_index,
        report.problem,
    ) == (True, 21, 4, None, None)


def test_an_empty_log_verifies(sessions: sessionmaker[Session], keys: KeyRing) -> None:
    with sessions() as session:
        report = verify_ledger(session, keys, origin=ORIGIN)
    assert (report.ok, report.entries, report.checkpoints) == (True, 0, 0)


@pytest.mark.parametrize(("tamper", "index", "problem"), CASES, ids=IDS)
def test_verify_ledger_finds_the_tampering_and_its_index(
    sessions: sessionmaker[Session],
    keys: KeyRing,
    tamper: Callable[[Session], None],
    index: int,
    problem: str,
) -> None:
    build(sessions, keys)
    with sessions() as session:
        with session.begin():
            tamper(session)
        report = verify_ledger(session, keys, origin=ORIGIN)
    assert not report.ok
    assert report.first_bad_index == index
    assert report.problem is not None
    assert report.problem.startswith(problem)


def test_checkpoints_of_another_log_or_key_do_not_verify(
    sessions: sessionmaker[Session], keys: KeyRing
) -> None:
    build(sessions, keys)
    with sessions() as session:
        report = verify_ledger(session, keys, origin="chengxin/ledger/310000")
        assert (report.first_bad_index, report.problem) == (
            0,
            "checkpoint 5: signed for origin 'chengxin/ledger/110000', not 'chengxin/ledger/310000'",
        )
        other_node = KeyRing(keys.data_keys, keys.blind_index_key, bytes(32), keys.created_at)
        report = verify_ledger(session, other_node, origin=ORIGIN)
        assert (report.first_bad_index, report.checkpoints) == (0, 0)
        assert report.problem == "checkpoint 5: the signature does not verify: the row was forged"


# --- what only an outsider can see ------------------------------------------------------------


def test_a_silent_truncation_is_caught_by_an_outsiders_old_checkpoint(
    sessions: sessionmaker[Session], keys: KeyRing
) -> None:
    """Entries, nodes, head and the later checkpoint all removed: the log is shorter but
    consistent, and verifies. An auditor who kept checkpoint 21 asks for a consistency proof
    from it to the next checkpoint; no proof the server can give joins the two roots."""
    build(sessions, keys)
    check = load_verifier()
    public = {"algorithm": "ed25519", "public_key": keys.public_key_b64}
    with sessions() as session:
        with session.begin():
            kept = service.latest_checkpoint(session)
            assert kept is not None
            held = {
                "tree_size": kept.tree_size,
                "root_hash": kept.root_hash,
                "note": kept.note,
                "signature": kept.signature,
            }
        with session.begin():
            truncate_tail_nodes_and_head(session)
            session.execute(delete(LedgerCheckpoint).where(LedgerCheckpoint.tree_size == 21))
        with session.begin():
            assert verify_ledger(session, keys, origin=ORIGIN).ok  # locally, nothing shows
        with session.begin():
            service.append_entries(session, NOW, [{"kind": "query", "n": n} for n in range(6)])
            new = service.sign_checkpoint(session, keys, NOW, origin=ORIGIN)
            assert new is not None
            proof = service.consistency_proof(session, 21, 23)
    first, first_root = check.check_checkpoint(held, public)
    second, second_root = check.check_checkpoint(
        {"tree_size": 23, "root_hash": new.root_hash, "note": new.note, "signature": new.signature},
        public,
    )
    assert (first, second) == (21, 23)
    assert not check.verify_consistency(first, second, proof, first_root, second_root)


# --- `chengxin ledger verify`: exit 1 and the index --------------------------------------------


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A node's data folder (key file and SQLite database) holding the 21-entry log."""
    data = tmp_path_factory.mktemp("pristine") / "data"
    settings = load_settings({"CHENGXIN_DATA_DIR": str(data)})
    keys = create_key_file(settings.resolved_key_file, NOW)
    engine = make_engine(settings.resolved_database_url)
    migrate.upgrade(engine)
    build(session_factory(engine), keys)
    engine.dispose()
    return data


@pytest.fixture
def node(pristine: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for var in ("CHENGXIN_DATABASE_URL", "CHENGXIN_KEY_FILE", "CHENGXIN_REGION_CODE"):
        monkeypatch.delenv(var, raising=False)
    data = tmp_path / "data"
    shutil.copytree(pristine, data)
    monkeypatch.setenv("CHENGXIN_DATA_DIR", str(data))
    return data


def tamper_file(data: Path, tamper: Callable[[Session], None]) -> None:
    engine = make_engine(f"sqlite:///{data / 'chengxin.db'}")
    with session_factory(engine)() as session, session.begin():
        tamper(session)
    engine.dispose()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.usefixtures("node")
def test_the_command_passes_an_untouched_log(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "ledger", "verify") == (0, "OK: 21 entries, 4 checkpoints verified\n", "")
    code, out, _ = run(capsys, "ledger", "verify", "--json")
    assert (code, json.loads(out)) == (
        0,
        {"ok": True, "entries": 21, "checkpoints": 4, "first_bad_index": None, "problem": None},
    )


@pytest.mark.parametrize(("tamper", "index", "problem"), CASES, ids=IDS)
def test_the_command_exits_1_naming_the_index(
    node: Path,
    capsys: pytest.CaptureFixture[str],
    tamper: Callable[[Session], None],
    index: int,
    problem: str,
) -> None:
    tamper_file(node, tamper)
    code, out, err = run(capsys, "ledger", "verify")
    assert (code, out) == (1, "")
    assert err.startswith(f"FAILED at index {index}: {problem}")
    assert err.count("\n") == 1


def test_the_command_reports_json(node: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tamper_file(node, delete_entry)
    code, out, _ = run(capsys, "ledger", "verify", "--json")
    assert code == 1
    assert json.loads(out) == {"ok": False, "entries": 9, "checkpoints": 2, "first_bad_index": 9,
                               "problem": "entry 9 is missing (the next stored entry is 10)"}  # fmt: skip


@pytest.mark.postgres
def test_the_command_on_postgresql(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CHENGXIN_REGION_CODE", raising=False)
    with fresh_pg_database() as url:
        settings = load_settings({"CHENGXIN_DATA_DIR": str(tmp_path), "CHENGXIN_DATABASE_URL": url})
        keys = create_key_file(settings.resolved_key_file, NOW)
        monkeypatch.setenv("CHENGXIN_DATA_DIR", str(tmp_path))
        monkeypatch.setenv("CHENGXIN_DATABASE_URL", url)
        engine = make_engine(url)
        build(session_factory(engine), keys)
        assert run(capsys, "ledger", "verify")[:2] == (
            0,
            "OK: 21 entries, 4 checkpoints verified\n",
        )
        with session_factory(engine)() as session, session.begin():
            rewrite(20)(session)
        engine.dispose()
        code, _, err = run(capsys, "ledger", "verify")
    assert (code, err) == (
        1,
        "FAILED at index 16: checkpoint 21: entries 16 to 20 do not give the signed root: one of them was changed\n",
    )
