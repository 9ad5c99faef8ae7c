"""Issue H, the sending side (R-4.4, R-5.2): change events owed to a peer are packed into numbered
packages and delivered in order to a real receiving node, which keeps each once."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import select

from chengxin.exchange.client import NodeClient
from chengxin.exchange.inbox import inbox_of
from chengxin.exchange.inbox import package_bytes as inbox_bytes
from chengxin.exchange.jobs import run_send
from chengxin.exchange.messages import RecordVersionMessage
from chengxin.exchange.models import NationalPush, OutboxPackage, PeerNode
from chengxin.exchange.node_rules import NodeRole
from chengxin.exchange.nodes import add_peer, get_peer, own_node
from chengxin.exchange.outbox import (
    Stage,
    backoff,
    build_packages,
    outbox_of,
    overdue,
    package_bytes,
)
from chengxin.exchange.outbox_delivery import deliver
from chengxin.exchange.packages import unpack
from chengxin.exchange.push import NATIONAL
from chengxin.jobs.runner import JOBS, PERIODIC
from chengxin.keys import new_key_ring
from chengxin.records.changes import change_record
from chengxin.records.models import Change, ChangeEvent, Record, RecordShare, RecordStatus
from tests.conftest import NOW
from tests.platform import ALICE, Platform, platform
from tests.support import fresh_cli_node, run

RECEIVER = "CN-440300"
URL = "http://127.0.0.1:9"  # the TestClient serves any host; a real client finds nothing there


def _peer(p: Platform, other: Platform, code: str, region: str) -> None:
    with p.rt.sessions() as session, session.begin():
        add_peer(session, NOW, own_node(p.rt.settings, p.rt.keys), code=code,
                 role=NodeRole.REGIONAL, region_code=region, base_url=URL,
                 public_key=other.rt.keys.public_key_b64, actor="test")  # fmt: skip


def _share_and_change(p: Platform, changes: list[tuple[Change, RecordStatus]]) -> None:
    """Share every record with the receiver, then change the first records one by one."""
    with p.rt.sessions() as session, session.begin():
        records = list(session.scalars(select(Record).order_by(Record.source_record_id)))
        shared = set(session.scalars(select(RecordShare.record_id)))
        for record in records:
            if record.id not in shared:
                session.add(RecordShare(record_id=record.id, recipient=RECEIVER, shared_at=NOW))
        session.flush()
        for record, (change, status) in zip(records, changes, strict=False):
            done = change_record(session, p.rt.workdays, p.clock(), record=record, change=change,
                                 status=status, reason=f"test {change}", actor="test")  # fmt: skip
            assert done is not None


def _build(p: Platform, limit: int = 200) -> list[int]:
    with p.rt.sessions() as session, session.begin():
        built = build_packages(session, p.rt.keys, p.clock(), sender="CN-110000",
                               receiver=RECEIVER, limit=limit)  # fmt: skip
        return [b.sequence for b in built]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def whole(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Platform]:
    """A whole node (tests/platform.py; this folder's `node` fixture is another thing)."""
    with platform(tmp_path, request.param) as p:
        yield p


def test_h_change_events_become_numbered_packages(whole: Platform) -> None:
    """R-4.4: each change owed to a peer is packed once, numbered 1, 2 … without gaps."""
    node = whole
    with node.rt.sessions() as session, session.begin():
        add_peer(session, NOW, own_node(node.rt.settings, node.rt.keys), code=RECEIVER,
                 role=NodeRole.REGIONAL, region_code="440300", base_url=URL,
                 public_key="A" * 43 + "=", actor="test")  # fmt: skip
    _share_and_change(node, [(Change.CORRECTED, RecordStatus.ACTIVE),
                             (Change.REVOKED, RecordStatus.REVOKED)])  # fmt: skip
    assert _build(node, limit=1) == [1, 2]
    assert _build(node) == []  # nothing owed twice
    _share_and_change(node, [(Change.OBJECTION_REVOKED, RecordStatus.REVOKED)])
    assert _build(node) == [3]
    with node.rt.sessions() as session:
        packages = outbox_of(session, RECEIVER)
        kinds = []
        for package in packages:
            data = package_bytes(node.rt.keys, package)
            opened = unpack(data, sender="CN-110000", sender_key=node.rt.keys.public_key_raw,
                            receiver=RECEIVER)  # fmt: skip
            assert opened.header.sequence == package.sequence
            assert opened.digest == package.messages_sha256
            kinds += [type(m) for m in opened.messages]
        events = {e.id for e in session.scalars(select(ChangeEvent))}
    assert sorted(k.__name__ for k in kinds) == ["Correction", "Revocation", "Revocation"]
    assert {m.id for p in packages for m in _messages(node, p)} == events


def _messages(p: Platform, package: OutboxPackage) -> tuple[object, ...]:
    data = package_bytes(p.rt.keys, package)
    return unpack(data, sender="CN-110000", sender_key=p.rt.keys.public_key_raw,
                  receiver=RECEIVER).messages  # fmt: skip


@contextmanager
def peered(factory: pytest.TempPathFactory) -> Iterator[tuple[Platform, Platform]]:
    """This node (CN-110000) and a receiving node (CN-440300) on SQLite, each the other's peer."""
    with (
        platform(factory.mktemp("sender"), "sqlite") as sender,
        platform(factory.mktemp("receiver"), "sqlite", CHENGXIN_NODE_CODE=RECEIVER,
                 CHENGXIN_REGION_CODE="440300") as receiver,
    ):  # fmt: skip
        _peer(sender, receiver, RECEIVER, "440300")
        _peer(receiver, sender, "CN-110000", "110000")
        yield sender, receiver


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Platform, Platform]]:
    with peered(tmp_path_factory) as nodes:
        yield nodes


def _client(sender: Platform, http: httpx2.Client) -> NodeClient:
    return NodeClient(code="CN-110000", keys=sender.rt.keys, clock=sender.clock, http=http)


def _events(p: Platform) -> list[ChangeEvent]:
    with p.rt.sessions() as session:
        return list(session.scalars(select(ChangeEvent)))


def test_h_delivery_in_order_with_backoff(pair: tuple[Platform, Platform]) -> None:
    """R-5.2, R-4.4: a receiver that is down gets nothing marked sent, and the package waits 1 min,
    then 2; after the wait the next round delivers every package in order, once; the receiver's
    answer for one it holds already counts as sent."""
    sender, receiver = pair
    _share_and_change(sender, [(Change.CORRECTED, RecordStatus.ACTIVE),
                               (Change.REPAIRED, RecordStatus.REPAIRED),
                               (Change.EXPIRED, RecordStatus.EXPIRED)])  # fmt: skip
    assert _build(sender, limit=1) == [1, 2, 3]
    with sender.rt.sessions() as session:
        late, rows = overdue(session, dt.date(2026, 12, 31))
    assert late == 3  # all due within 3 working days, none delivered
    assert {r.stage for r in rows} == {Stage.NOT_SENT}

    with httpx2.Client() as down:  # nothing listens on URL
        first = deliver(sender.rt, receiver=RECEIVER, now=NOW, client=_client(sender, down))
    assert (first.sent, first.failed, first.retry_at) == ((), 1, NOW + dt.timedelta(minutes=1))
    assert first.error is not None
    assert first.error.startswith("reachable")
    with receiver.client as up:
        waiting = deliver(sender.rt, receiver=RECEIVER, now=NOW + dt.timedelta(seconds=30),
                          client=_client(sender, up))  # fmt: skip
        assert (waiting.sent, waiting.waiting) == ((), 1)  # backing off: not tried
    with sender.rt.sessions() as session:
        held = outbox_of(session, RECEIVER)
        sent_bytes = [package_bytes(sender.rt.keys, p) for p in held]
    assert [(p.attempts, p.sent_at) for p in held] == [(1, None), (0, None), (0, None)]
    assert all(e.delivered_at is None for e in _events(sender))

    # The receiver takes package 2 from another round (as if our answer to it was lost).
    later = NOW + dt.timedelta(minutes=2)
    client = _client(sender, receiver.client)
    body = sent_bytes[1]
    assert client.send(_receiver_peer(sender), "POST", "/api/v1/exchange/packages", body,
                       {"Content-Type": "application/gzip",
                        "X-Chengxin-Sequence": "2"}).status == 201  # fmt: skip
    done = deliver(sender.rt, receiver=RECEIVER, now=later, client=client)
    assert (done.sent, done.duplicates, done.failed) == ((1, 2, 3), (2,), None)
    assert deliver(sender.rt, receiver=RECEIVER, now=later, client=client).sent == ()
    with receiver.rt.sessions() as session:
        inbox = inbox_of(session, "CN-110000")
        assert [(p.sequence, p.messages_sha256) for p in inbox] == [
            (p.sequence, p.messages_sha256) for p in held
        ]
        assert [inbox_bytes(receiver.rt.keys, p) for p in inbox] == sent_bytes
    assert all(e.delivered_at == later for e in _events(sender))
    with sender.rt.sessions() as session:
        late, rows = overdue(session, dt.date(2026, 12, 31))
        assert all(p.sent_at == later for p in outbox_of(session, RECEIVER))
    # Delivered, not done: they stay overdue until the receiver's ack (tests/exchange/test_acks.py).
    assert (late, {r.stage for r in rows}) == (3, {Stage.AWAITING_ACK})


def _receiver_peer(sender: Platform) -> PeerNode:
    with sender.rt.sessions() as session:
        peer = get_peer(session, RECEIVER)
        session.expunge(peer)
        return peer


def test_h_backoff_doubles_to_an_hour() -> None:
    """R-5.2: retries wait 1, 2, 4 … minutes, never more than an hour."""
    waits = [backoff(n) for n in (1, 2, 3, 6, 7, 50)]
    assert waits == [dt.timedelta(minutes=m) for m in (1, 2, 4, 32, 60, 60)]


def test_h_a_refusal_is_kept_and_retried(pair: tuple[Platform, Platform]) -> None:
    """R-5.2: a receiver's refusal is kept on the package, which waits; nothing is marked sent."""
    sender, receiver = pair
    _share_and_change(sender, [(Change.REVOKED, RecordStatus.REVOKED)])
    (sequence,) = _build(sender)
    forged = NodeClient(code="CN-110000", keys=new_key_ring(NOW), clock=sender.clock,
                        http=receiver.client)  # fmt: skip
    refused = deliver(sender.rt, receiver=RECEIVER, now=NOW, client=forged)
    assert (refused.sent, refused.failed) == ((), sequence)
    assert refused.error is not None
    assert refused.error.startswith("401")
    assert any(e.delivered_at is None for e in _events(sender))
    later = NOW + dt.timedelta(hours=1)
    done = deliver(sender.rt, receiver=RECEIVER, now=later, client=_client(sender, receiver.client))
    assert done.sent == (sequence,)
    assert all(e.delivered_at is not None for e in _events(sender))


def test_h_send_is_a_periodic_job() -> None:
    """R-4.4: the outbox is packed and delivered by the jobs, every round."""
    assert JOBS["send"] is run_send
    assert "send" in PERIODIC


def test_r5_5_a_record_queued_for_the_national_node_travels_with_its_subject(
    sqlite_node: Platform,
) -> None:
    """R-5.2, R-5.5: a record in the national push queue is packed for CN-NATIONAL as a record
    version naming its person by ID number and name (the national index needs them), once."""
    node = sqlite_node
    alice = node.subject(ALICE)
    with node.rt.sessions() as session, session.begin():
        add_peer(session, NOW, own_node(node.rt.settings, node.rt.keys), code=NATIONAL,
                 role=NodeRole.NATIONAL, region_code="110000", base_url=URL,
                 public_key=new_key_ring(NOW).public_key_b64, actor="test")  # fmt: skip
        record = session.scalars(
            select(Record).where(Record.subject_id == alice, Record.item_code == "PENALTY-TAX")
        ).one()
        session.add(NationalPush(record_id=record.id, version=record.version,
                                 criterion="test", queued_at=NOW))  # fmt: skip
    with node.rt.sessions() as session, session.begin():
        built = build_packages(session, node.rt.keys, node.clock(), sender="CN-110000",
                               receiver=NATIONAL)  # fmt: skip
        assert [b.sequence for b in built] == [1]
        again = build_packages(session, node.rt.keys, node.clock(), sender="CN-110000",
                               receiver=NATIONAL)  # fmt: skip
        assert again == []  # packed once
        data = package_bytes(node.rt.keys, built[0])
    peer_key = node.rt.keys.public_key_raw
    (message,) = unpack(data, sender="CN-110000", sender_key=peer_key, receiver=NATIONAL).messages
    assert isinstance(message, RecordVersionMessage)
    assert (message.record_id, message.item_code) == (record.id, "PENALTY-TAX")
    assert (message.subject.id_number, message.subject.name) == (ALICE, "张一")  # type: ignore[union-attr]


def test_h_send_and_overdue_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """R-4.4: `exchange send` refuses an unknown peer naming it (exit 2) and says when there is
    nobody to send to; `exchange overdue` counts late change events; bad options exit 2."""
    fresh_cli_node(tmp_path, monkeypatch, capsys)
    code, _, err = run(capsys, "exchange", "send", "--peer", "CN-999999")
    assert (code, "CN-999999" in err) == (2, True), err
    code, out, _ = run(capsys, "exchange", "send")
    assert (code, out) == (0, "no enabled peers\n")
    assert json.loads(run(capsys, "exchange", "send", "--json")[1]) == []
    code, out, _ = run(capsys, "exchange", "overdue", "--json")
    assert (code, json.loads(out)) == (0, {"overdue": 0, "oldest": []})
    for bad in (["overdue", "--limit", "0"], ["overdue", "--limit", "x" * 5000],
                ["send", "--peer", ""], ["send", "--bogus"]):  # fmt: skip
        assert run(capsys, "exchange", *bad)[0] == 2, bad
