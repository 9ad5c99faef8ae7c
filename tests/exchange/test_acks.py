"""Issue H, acknowledgements (回执, R-4.4): "a correction or repair reaches every platform the
record was shared with, within a deadline, and the system can show that it did". A node owes an
ack for each package it applied, sends it in its next package to that peer, and the sender marks
its package and the changes it carried acknowledged; a change not acknowledged by its due day is
overdue, delivered or not."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from chengxin.exchange.acks import acks_only, apply_ack, queue_ack
from chengxin.exchange.client import NodeClient
from chengxin.exchange.inbox import inbox_of
from chengxin.exchange.inbox import package_bytes as inbox_bytes
from chengxin.exchange.messages import Ack, AckOutcome, AckRefusal, Correction, Expiry, Message
from chengxin.exchange.models import AckDue, OutboxItem, OutboxPackage, PeerNode
from chengxin.exchange.node_rules import NodeRole
from chengxin.exchange.nodes import add_peer, get_peer, own_node
from chengxin.exchange.outbox import (
    OverdueEvent,
    Stage,
    build_packages,
    outbox_of,
    overdue,
    package_bytes,
)
from chengxin.exchange.outbox_delivery import deliver
from chengxin.exchange.packages import unpack
from chengxin.keys import new_key_ring
from chengxin.records.models import Change, ChangeEvent, RecordStatus
from tests.conftest import NOW
from tests.exchange.test_outbox import RECEIVER, URL, _build, _share_and_change, peered
from tests.platform import Platform, platform

SENDER = "CN-110000"
LATER = dt.date(2026, 12, 31)  # past every due day of these tests
DIGEST = "ab" * 32


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def whole(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Platform]:
    """A whole node (CN-110000) with the peer CN-440300 on file."""
    with platform(tmp_path, request.param) as p:
        with p.rt.sessions() as session, session.begin():
            add_peer(session, NOW, own_node(p.rt.settings, p.rt.keys), code=RECEIVER,
                     role=NodeRole.REGIONAL, region_code="440300", base_url=URL,
                     public_key=new_key_ring(NOW).public_key_b64, actor="test")  # fmt: skip
        yield p


def _peer_id(p: Platform, code: str = RECEIVER) -> uuid.UUID:
    with p.rt.sessions() as session:
        return get_peer(session, code).id


def _queue(p: Platform, sequence: int, outcome: AckOutcome = AckOutcome.APPLIED,
           refused: tuple[AckRefusal, ...] = ()) -> None:  # fmt: skip
    with p.rt.sessions() as session, session.begin():
        queue_ack(session, p.clock(), peer_id=_peer_id(p), sequence=sequence,
                  messages_sha256=DIGEST, outcome=outcome, refused=refused)  # fmt: skip


def _opened(p: Platform, package: OutboxPackage) -> tuple[Message, ...]:
    data = package_bytes(p.rt.keys, package)
    return unpack(data, sender=SENDER, sender_key=p.rt.keys.public_key_raw,
                  receiver=RECEIVER).messages  # fmt: skip


def test_r4_4_an_ack_is_owed_once_per_package(whole: Platform) -> None:
    """R-4.4: queueing the ack of the same package twice (applied, then seen again as a
    duplicate) leaves one ack, the first."""
    refusal = AckRefusal(message_id=uuid.uuid4(), field="record_id", rule="unknown-record")
    _queue(whole, 7, refused=(refusal,))
    _queue(whole, 7, AckOutcome.DUPLICATE)
    with whole.rt.sessions() as session:
        rows = list(session.scalars(select(AckDue)))
    assert [(r.sequence, r.outcome, r.messages_sha256) for r in rows] == [(7, "applied", DIGEST)]


def test_r4_4_a_package_of_acks_only_is_not_acked_back() -> None:
    """R-4.4: acks answer packages; a package holding nothing but acks gets none, so that two
    nodes do not ack each other's acks for ever."""
    ack = Ack(id=uuid.uuid4(), at=NOW, sequence=1, messages_sha256=DIGEST,
              outcome=AckOutcome.APPLIED)  # fmt: skip
    other = Ack(id=uuid.uuid4(), at=NOW, sequence=2, messages_sha256=DIGEST,
                outcome=AckOutcome.DUPLICATE)  # fmt: skip
    change = Expiry(id=uuid.uuid4(), origin=SENDER, at=NOW, record_id=uuid.uuid4(), version=2,
                    display_ended_on=NOW.date())  # fmt: skip
    assert acks_only([ack, other])
    assert not acks_only([ack, change])
    assert not acks_only([])


def test_r4_4_acks_travel_first_in_the_next_package_once(whole: Platform) -> None:
    """R-4.4: the acks owed to a peer go in the next package to it, before the changes, each in
    one package only; with nothing else owed, a package of acks only is still numbered."""
    refusal = AckRefusal(message_id=uuid.uuid4(), field="record_id", rule="unknown-record")
    _queue(whole, 2, refused=(refusal,))
    _queue(whole, 1)
    _share_and_change(whole, [(Change.CORRECTED, RecordStatus.ACTIVE)])
    assert _build(whole) == [1]
    assert _build(whole) == []  # nothing packed twice
    _queue(whole, 3, AckOutcome.DUPLICATE)
    assert _build(whole) == [2]
    with whole.rt.sessions() as session:
        first, second = outbox_of(session, RECEIVER)
        acks = {a.sequence: a for a in session.scalars(select(AckDue))}
        kinds = dict(session.execute(
            select(OutboxItem.item_kind, func.count()).group_by(OutboxItem.item_kind)
        ).all())  # fmt: skip
        one, two, change = _opened(whole, first)
        (three,) = _opened(whole, second)
    assert kinds == {"ack": 3, "change": 1}
    assert isinstance(change, Correction)
    assert one == Ack(id=acks[1].id, at=acks[1].created_at, sequence=1, messages_sha256=DIGEST,
                      outcome=AckOutcome.APPLIED)  # fmt: skip
    assert two == Ack(id=acks[2].id, at=acks[2].created_at, sequence=2, messages_sha256=DIGEST,
                      outcome=AckOutcome.APPLIED, refused=(refusal,))  # fmt: skip
    assert isinstance(three, Ack)
    assert (three.sequence, three.outcome) == (3, AckOutcome.DUPLICATE)
    assert (first.message_count, second.message_count) == (3, 1)


def _state(p: Platform) -> tuple[list[tuple[object, ...]], dict[uuid.UUID, object]]:
    """The outbox packages' acks, and each change event's."""
    with p.rt.sessions() as session:
        rows = session.scalars(select(OutboxPackage).order_by(OutboxPackage.sequence))
        packages: list[tuple[object, ...]] = [
            (o.sequence, o.acknowledged_at, o.ack_outcome, o.ack_refused) for o in rows
        ]
        events = {e.id: e.acknowledged_at for e in session.scalars(select(ChangeEvent))}
    return packages, dict(events)


def test_r4_4_an_ack_marks_the_package_and_the_changes_it_carried(
    whole: Platform, caplog: pytest.LogCaptureFixture
) -> None:
    """R-4.4: the peer's ack of package 1 marks it and its changes acknowledged, except a change
    the peer refused, which stays overdue; a second ack of it changes nothing. An ack naming a
    package we never sent, or other messages under its number, is logged and writes nothing."""
    _share_and_change(whole, [(Change.CORRECTED, RecordStatus.ACTIVE),
                              (Change.REPAIRED, RecordStatus.REPAIRED)])  # fmt: skip
    assert _build(whole) == [1]
    with whole.rt.sessions() as session:
        (package,) = outbox_of(session, RECEIVER)
        kept, refused = sorted(session.scalars(select(ChangeEvent)), key=lambda e: e.version)
    _, before = overdue_at(whole)
    assert [e.stage for e in before] == [Stage.NOT_SENT, Stage.NOT_SENT]

    at = NOW + dt.timedelta(hours=2)
    ack = Ack(id=uuid.uuid4(), at=NOW, sequence=1, messages_sha256=package.messages_sha256,
              outcome=AckOutcome.APPLIED,
              refused=(AckRefusal(message_id=refused.id, field="state", rule="stale"),))  # fmt: skip
    peer_id = _peer_id(whole)
    for wrong in (Ack(id=uuid.uuid4(), at=NOW, sequence=1, messages_sha256=DIGEST,
                      outcome=AckOutcome.APPLIED),
                  Ack(id=uuid.uuid4(), at=NOW, sequence=9, messages_sha256=package.messages_sha256,
                      outcome=AckOutcome.APPLIED)):  # fmt: skip
        untouched = _state(whole)
        with (
            caplog.at_level(logging.WARNING, "chengxin.exchange"),
            whole.rt.sessions() as session,
            session.begin(),
        ):
            assert apply_ack(session, at, peer_id=peer_id, ack=wrong) is False
        assert _state(whole) == untouched
    assert "the digest differs" in caplog.text
    assert "#9 ignored: no such package" in caplog.text

    with whole.rt.sessions() as session, session.begin():
        assert apply_ack(session, at, peer_id=peer_id, ack=ack) is True
    done = _state(whole)
    assert done == ([(1, at, "applied", 1)], {kept.id: at, refused.id: None})
    again = Ack(id=uuid.uuid4(), at=NOW, sequence=1, messages_sha256=package.messages_sha256,
                outcome=AckOutcome.DUPLICATE)  # fmt: skip
    with whole.rt.sessions() as session, session.begin():
        assert apply_ack(session, at + dt.timedelta(hours=1), peer_id=peer_id, ack=again) is False
    assert _state(whole) == done  # the first ack stands

    count, late = overdue_at(whole)
    assert (count, [(e.id, e.sequence, e.stage) for e in late]) == (
        1, [(refused.id, 1, Stage.REFUSED)])  # fmt: skip


def overdue_at(p: Platform, today: dt.date = LATER) -> tuple[int, list[OverdueEvent]]:
    with p.rt.sessions() as session:
        return overdue(session, today)


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Platform, Platform]]:
    """CN-110000 and CN-440300, each the other's peer, on SQLite."""
    with peered(tmp_path_factory) as nodes:
        yield nodes


def test_r4_4_a_delivered_change_is_overdue_until_the_receiver_acks_it(
    pair: tuple[Platform, Platform],
) -> None:
    """R-4.4: delivered is not done. The changes delivered to the receiver stay overdue after
    their due day until its ack comes back in its own package (of acks only); then they are
    acknowledged, and none is overdue."""
    sender, receiver = pair
    _share_and_change(sender, [(Change.CORRECTED, RecordStatus.ACTIVE),
                               (Change.REVOKED, RecordStatus.REVOKED)])  # fmt: skip
    assert _build(sender) == [1]
    to_receiver = NodeClient(code=SENDER, keys=sender.rt.keys, clock=sender.clock,
                             http=receiver.client)  # fmt: skip
    assert deliver(sender.rt, receiver=RECEIVER, now=NOW, client=to_receiver).sent == (1,)
    count, late = overdue_at(sender)
    assert (count, {e.stage for e in late}) == (2, {Stage.AWAITING_ACK})

    # What the receiver's apply step does after applying package 1: owe the sender an ack.
    with receiver.rt.sessions() as session, session.begin():
        (got,) = inbox_of(session, SENDER)
        queue_ack(session, receiver.clock(), peer_id=get_peer(session, SENDER).id,
                  sequence=got.sequence, messages_sha256=got.messages_sha256,
                  outcome=AckOutcome.APPLIED, refused=())  # fmt: skip
        built = build_packages(session, receiver.rt.keys, receiver.clock(), sender=RECEIVER,
                               receiver=SENDER)  # fmt: skip
        assert [b.sequence for b in built] == [1]
    to_sender = NodeClient(code=RECEIVER, keys=receiver.rt.keys, clock=receiver.clock,
                           http=sender.client)  # fmt: skip
    assert deliver(receiver.rt, receiver=SENDER, now=NOW, client=to_sender).sent == (1,)

    # What the sender's apply step does with that package: record each ack in it.
    acked_at = NOW + dt.timedelta(minutes=5)
    with sender.rt.sessions() as session, session.begin():
        (back,) = inbox_of(session, RECEIVER)
        peer = session.scalars(select(PeerNode).where(PeerNode.code == RECEIVER)).one()
        messages = unpack(inbox_bytes(sender.rt.keys, back), sender=RECEIVER,
                          sender_key=receiver.rt.keys.public_key_raw, receiver=SENDER).messages  # fmt: skip
        assert acks_only(messages)  # so the sender owes no ack for it
        assert [apply_ack(session, acked_at, peer_id=peer.id, ack=m) for m in messages
                if isinstance(m, Ack)] == [True]  # fmt: skip
    assert overdue_at(sender) == (0, [])
    with sender.rt.sessions() as session:
        assert {e.acknowledged_at for e in session.scalars(select(ChangeEvent))} == {acked_at}
        assert [(o.sequence, o.ack_outcome) for o in outbox_of(session, RECEIVER)] == [
            (1, "applied")]  # fmt: skip
