"""The console's ledger page (R-3.3, R-3.1): size, the latest checkpoint with its signature
checked, the key's fingerprint; "verify" runs the check of `chengxin ledger verify`, whole for
a short log and from a signed checkpoint for a long one (the page says which entries it read);
the tail run still finds what was changed after that checkpoint and in the tree above it."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from chengxin import migrate
from chengxin.access.ratelimit import RateLimiter
from chengxin.db import make_engine, session_factory
from chengxin.keys import KeyRing, create_key_file
from chengxin.ledger import service
from chengxin.ledger.models import LedgerCheckpoint, LedgerEntry, LedgerNode
from chengxin.ledger.verify import tail_start, verify_ledger
from chengxin.web import console_ledger
from tests.conftest import NOW
from tests.platform import Platform, platform
from tests.web.sessions import csrf_field, page_as

STAFF = ("the.reviewer", "the.operator", "the.auditor")
ORIGIN = "test/ledger"


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    with platform(tmp_path_factory.mktemp("console-ledger"), "sqlite") as p:
        p.checkpoint()
        yield p


@pytest.fixture(autouse=True)
def _roomy_rate_limit(node: Platform) -> None:
    node.client.app.state.rate_limiter = RateLimiter(1000)  # type: ignore[attr-defined]


def _verify(node: Platform, who: str = "the.auditor", csrf: bool = True) -> Any:
    token = csrf_field(page_as(node, "/console/ledger", who).text)
    node.client.cookies.set(node.cookie_name, node.cookies[who])
    try:
        return node.client.post("/console/ledger/verify?lang=en",
                                data={"csrf_token": token} if csrf else {})  # fmt: skip
    finally:
        node.client.cookies.clear()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_r3_3_the_ledger_status_for_staff(node: Platform, lang: str) -> None:
    with node.rt.sessions() as session:
        size = service.size(session)
        latest = service.latest_checkpoint(session)
    assert latest is not None
    digest = hashlib.sha256(node.rt.keys.public_key_raw).hexdigest()
    for user in STAFF:
        answer = page_as(node, "/console/ledger", user, params={"lang": lang})
        assert answer.status_code == 200, answer.text
        assert '<a href="/console/ledger" aria-current="page">' in answer.text
        assert latest.root_hash in answer.text
        assert f">{size}<" in answer.text
        assert digest[:4] + " " + digest[4:8] in answer.text
        assert ("使用本节点公钥验证通过" if lang == "zh" else "verifies with") in answer.text
        assert 'href="/api/v1/ledger/checkpoint"' in answer.text
    for user in ("alice", "bank.clerk"):
        assert page_as(node, "/console/ledger", user).status_code == 403
    public = page_as(node, "/console/ledger", None)
    assert unquote(public.headers["location"]) == "/login?next=/console/ledger"


def test_r3_3_verify_reads_the_whole_short_log(node: Platform) -> None:
    with node.rt.sessions() as session:
        size = service.size(session)
    answer = _verify(node)
    assert answer.status_code == 200
    assert "OK: nothing was changed" in answer.text
    assert f"Read all {size} entries" in answer.text
    assert _verify(node, csrf=False).status_code == 403
    assert console_ledger._running.acquire(blocking=False)
    try:
        busy = _verify(node, "the.reviewer")
    finally:
        console_ledger._running.release()
    assert busy.status_code == 429
    assert "A verification is running" in busy.text


def test_r3_3_a_forged_checkpoint_shows_on_the_page_and_fails_the_verification(
    node: Platform,
) -> None:
    with node.rt.sessions() as session:
        latest = service.latest_checkpoint(session)
    assert latest is not None
    kept = latest.signature
    forged = "A" * len(kept)
    try:
        _set_signature(node.rt.sessions, latest.tree_size, forged)
        html = page_as(node, "/console/ledger?lang=en", "the.operator").text
        assert "does NOT verify" in html
        failed = _verify(node)
        assert "FAILED at entry" in failed.text
        assert "the signature does not verify" in failed.text
    finally:
        _set_signature(node.rt.sessions, latest.tree_size, kept)


def _set_signature(sessions: sessionmaker[Session], tree_size: int, signature: str) -> None:
    with sessions() as session, session.begin():
        session.execute(update(LedgerCheckpoint)
                        .where(LedgerCheckpoint.tree_size == tree_size)
                        .values(signature=signature))  # fmt: skip


def test_r3_3_a_long_log_is_verified_from_a_checkpoint_and_the_page_says_so(
    node: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(5):  # five more entries (self-queries), a checkpoint after the third
        assert node.call("GET", "/api/v1/me/records", "alice").status_code == 200
        if n == 2:
            node.checkpoint()
    with node.rt.sessions() as session:
        size = service.size(session)
        start = tail_start(session, 3)
    assert 0 < start < size - 3  # the checkpoint before the last one
    monkeypatch.setattr(console_ledger, "VERIFY_ENTRIES", 3)
    answer = _verify(node)
    assert f"Read entries {start} to {size - 1} of {size}" in answer.text
    assert "OK: nothing was changed" in answer.text


# --- the tail run itself, on a log of its own ----------------------------------------------------


@pytest.fixture
def log(tmp_path: Path) -> Iterator[tuple[sessionmaker[Session], KeyRing]]:
    """21 entries, a checkpoint signed at 5, 8, 16 and 21."""
    keys = create_key_file(tmp_path / "keys.json", NOW)
    engine = make_engine(f"sqlite:///{tmp_path / 'ledger.db'}")
    migrate.upgrade(engine)
    sessions = session_factory(engine)
    with sessions() as session:
        done = 0
        for n, upto in enumerate((5, 8, 16, 21)):
            with session.begin():
                service.append_entries(session, NOW + dt.timedelta(seconds=n), [
                    {"kind": "record_version", "seq": i, "subject": str(uuid.UUID(int=i))}
                    for i in range(done, upto)])  # fmt: skip
                service.sign_checkpoint(session, keys, NOW, origin=ORIGIN)
            done = upto
    yield sessions, keys
    engine.dispose()


def _run(sessions: sessionmaker[Session], keys: KeyRing, start: int) -> Any:
    with sessions() as session:
        return verify_ledger(session, keys, origin=ORIGIN, start=start)


def test_r3_3_the_tail_run_starts_at_a_checkpoint_and_finds_later_changes(log: Any) -> None:
    sessions, keys = log
    with sessions() as session:
        assert tail_start(session, 21) == 0  # short enough: the whole log
        assert tail_start(session, 10) == 8  # the newest checkpoint at least 10 back
        assert tail_start(session, 20) == 5  # none that far back: the oldest
    report = _run(sessions, keys, 8)
    assert (report.ok, report.start, report.entries, report.checkpoints) == (True, 8, 13, 3)
    with sessions() as session, session.begin():
        session.execute(update(LedgerEntry).where(LedgerEntry.idx == 3)
                        .values(body='{"changed":true}'))  # fmt: skip
        session.execute(update(LedgerEntry).where(LedgerEntry.idx == 12)
                        .values(body='{"changed":true}'))  # fmt: skip
    tail = _run(sessions, keys, 8)
    assert tail.first_bad_index == 12
    assert str(tail.problem).startswith("entry 12 ")
    assert _run(sessions, keys, 0).first_bad_index == 3  # only the whole run reads entry 3


def test_r3_3_the_tail_run_checks_the_stored_tree_under_its_checkpoint(log: Any) -> None:
    sessions, keys = log
    with sessions() as session, session.begin():  # the level-3 node over entries 0 to 7
        session.execute(update(LedgerNode).where(LedgerNode.level == 3, LedgerNode.idx == 0)
                        .values(hash="00" * 32))  # fmt: skip
    report = _run(sessions, keys, 8)
    assert report.first_bad_index == 0
    assert "checkpoint 8: entries 0 to 7 do not give the signed root" in str(report.problem)
    missing = _run(sessions, keys, 9)
    assert missing.problem == "no checkpoint of size 9 was signed: verify the whole log"
