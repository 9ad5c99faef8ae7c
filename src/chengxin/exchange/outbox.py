"""The outbox (issue H, R-4.4, R-5.2): what this node owes each peer, packed into numbered packages.

`build_packages` turns what is owed to one receiver — the acks (回执) this node owes it for its
packages, its change events not yet packed and, for the national node, the records queued for it
(R-5.5) — into packages of at most `MAX_MESSAGES` messages, numbered 1, 2, 3 … per receiver with
no gaps, in the caller's transaction: the package rows and what each carries
(`exchange_outbox_items`, one package per item ever) commit together or not at all. Acks go first
(they are small and the receiver waits on them to stop flagging its changes overdue); the national
node gets queued records before change events, so that a change never reaches it before the
record it changes. `outbox_delivery.deliver` sends them in order."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Exists, exists, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from chengxin.exchange.messages import Message
from chengxin.exchange.models import AckDue, NationalPush, OutboxItem, OutboxPackage, PeerNode
from chengxin.exchange.nodes import get_peer
from chengxin.exchange.outbox_messages import ack_message, change_message, current_message
from chengxin.exchange.packages import pack, unpack
from chengxin.exchange.push import NATIONAL
from chengxin.keys import KeyRing
from chengxin.records.models import ChangeEvent
from chengxin.sealed import seal, unseal

TABLE = "exchange_outbox"
MAX_MESSAGES = 200  # per package: well within a receiver's default limits (8 MiB compressed)
MAX_PACKAGES = 20  # per call: one transaction stays short; the next round packs the rest
CHANGE, PUSH, ACK = "change", "push", "ack"  # OutboxItem.item_kind
FIRST_RETRY = dt.timedelta(minutes=1)
LAST_RETRY = dt.timedelta(hours=1)


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failed attempt: 1 min, doubling, at most 1 h."""
    wait: dt.timedelta = FIRST_RETRY * 2 ** min(max(attempts - 1, 0), 12)
    return min(wait, LAST_RETRY)


@dataclass(frozen=True)
class Owed:
    kind: str  # CHANGE | PUSH | ACK
    id: uuid.UUID
    record_id: uuid.UUID | None  # None for an ack


def _owed_acks(session: Session, peer_id: uuid.UUID, limit: int) -> list[Owed]:
    rows = session.scalars(
        select(AckDue.id)
        .where(AckDue.peer_id == peer_id, ~_packed(ACK, AckDue.id))
        .order_by(AckDue.sequence)
        .limit(limit)
    )
    return [Owed(ACK, ack_id, None) for ack_id in rows]


def _owed_pushes(session: Session, limit: int) -> list[Owed]:
    rows = session.execute(
        select(NationalPush.id, NationalPush.record_id)
        .where(NationalPush.sent_at.is_(None), ~_packed(PUSH, NationalPush.id))
        .order_by(NationalPush.queued_at, NationalPush.id)
        .limit(limit)
    )
    return [Owed(PUSH, push_id, record_id) for push_id, record_id in rows]


def _owed_changes(session: Session, receiver: str, limit: int) -> list[Owed]:
    rows = session.execute(
        select(ChangeEvent.id, ChangeEvent.record_id)
        .where(
            ChangeEvent.recipient == receiver,
            ChangeEvent.delivered_at.is_(None),
            ~_packed(CHANGE, ChangeEvent.id),
        )
        .order_by(
            ChangeEvent.created_at, ChangeEvent.record_id, ChangeEvent.version, ChangeEvent.id
        )
        .limit(limit)
    )
    return [Owed(CHANGE, event_id, record_id) for event_id, record_id in rows]


def _packed(kind: str, column: InstrumentedAttribute[uuid.UUID]) -> Exists:
    return exists().where(OutboxItem.item_kind == kind, OutboxItem.item_id == column)


def owed(session: Session, peer: PeerNode, limit: int) -> list[Owed]:
    """The next `limit` items owed to `peer` and in no package yet, in sending order."""
    found = _owed_acks(session, peer.id, limit)
    if peer.code == NATIONAL and len(found) < limit:
        found += _owed_pushes(session, limit - len(found))
    if len(found) < limit:
        found += _owed_changes(session, peer.code, limit - len(found))
    return found


def _message(session: Session, keys: KeyRing, origin: str, item: Owed) -> Message:
    if item.kind == ACK:
        return ack_message(session.get_one(AckDue, item.id))
    if item.kind == PUSH:
        assert item.record_id is not None  # noqa: S101  (only an ack has no record)
        return current_message(session, keys, origin=origin, message_id=item.id,
                               record_id=item.record_id)  # fmt: skip
    event = session.get_one(ChangeEvent, item.id)
    return change_message(session, keys, origin=origin, message_id=event.id,
                          record_id=event.record_id, version=event.version,
                          change=event.change)  # fmt: skip


def build_packages(
    session: Session,
    keys: KeyRing,
    now: dt.datetime,
    *,
    sender: str,
    receiver: str,
    limit: int = MAX_MESSAGES,
    max_packages: int = MAX_PACKAGES,
) -> list[OutboxPackage]:
    """Pack what is owed to `receiver` (a peer's code), `limit` messages to a package, in the
    caller's transaction; the packages written (none when nothing is owed)."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    peer = session.scalars(
        select(PeerNode).where(PeerNode.id == get_peer(session, receiver).id).with_for_update()
    ).one()  # on PostgreSQL, builders for one receiver take turns: numbers stay gapless
    if peer.disabled_at is not None:
        return []
    last = session.scalar(
        select(func.max(OutboxPackage.sequence)).where(OutboxPackage.peer_id == peer.id)
    )
    sequence = last or 0
    built: list[OutboxPackage] = []
    while len(built) < max_packages:
        items = owed(session, peer, limit)
        if not items:
            break
        sequence += 1
        built.append(_package(session, keys, now, sender=sender, peer=peer, sequence=sequence,
                              items=items))  # fmt: skip
    return built


def _package(
    session: Session, keys: KeyRing, now: dt.datetime, *, sender: str, peer: PeerNode,
    sequence: int, items: list[Owed],
) -> OutboxPackage:  # fmt: skip
    messages = [_message(session, keys, sender, item) for item in items]
    data = pack(messages, sender=sender, receiver=peer.code, sequence=sequence, created_at=now,
                signer=keys)  # fmt: skip
    header = unpack(data, sender=sender, sender_key=keys.public_key_raw, receiver=peer.code).header
    package_id = uuid.uuid4()
    package = OutboxPackage(
        id=package_id, peer_id=peer.id, sequence=sequence, created_at=now,
        message_count=len(messages), messages_sha256=header.messages_sha256, size=len(data),
        body_enc=seal(keys, TABLE, "body_enc", package_id, base64.b64encode(data).decode("ascii")),
        attempts=0,
    )  # fmt: skip
    session.add(package)
    session.flush()
    session.add_all(
        OutboxItem(item_kind=item.kind, item_id=item.id, package_id=package_id) for item in items
    )
    session.flush()  # a second builder's package of the same items fails here, whole
    return package


def package_bytes(keys: KeyRing, package: OutboxPackage) -> bytes:
    """The package as built, signed, to send as it is (again)."""
    return base64.b64decode(unseal(keys, TABLE, "body_enc", package.id, package.body_enc))


def outbox_of(session: Session, receiver: str) -> list[OutboxPackage]:
    """The packages built for a peer, by sequence."""
    peer = get_peer(session, receiver)
    return list(
        session.scalars(
            select(OutboxPackage)
            .where(OutboxPackage.peer_id == peer.id)
            .order_by(OutboxPackage.sequence)
        )
    )


class Stage(StrEnum):
    """Where an overdue change stands (R-4.4): what the operator looks at next."""

    NOT_PACKED = "not_packed"  # no package carries it yet (no peer on file, or the peer disabled)
    NOT_SENT = "not_sent"  # packed; the receiver has not taken the package (see its last error)
    AWAITING_ACK = "awaiting_ack"  # the receiver took it and has not acknowledged it
    REFUSED = "refused"  # the receiver acknowledged the package and refused this change


@dataclass(frozen=True)
class OverdueEvent:
    """A change owed to a recipient and not acknowledged by its due day (R-4.4): ids and codes,
    no personal data."""

    id: uuid.UUID
    record_id: uuid.UUID
    version: int
    change: str
    recipient: str
    created_at: dt.datetime
    due_on: dt.date
    sequence: int | None  # the package carrying it, if built
    stage: Stage


def _stage(sequence: int | None, sent: dt.datetime | None, acked: dt.datetime | None) -> Stage:
    if sequence is None:
        return Stage.NOT_PACKED
    if acked is not None:  # the package is acknowledged and this change is not: refused there
        return Stage.REFUSED
    return Stage.AWAITING_ACK if sent is not None else Stage.NOT_SENT


def overdue(
    session: Session, today: dt.date, *, limit: int = 100
) -> tuple[int, list[OverdueEvent]]:
    """How many change events are past `due_on` (China's date) without the recipient's ack, and
    the oldest. Delivered is not enough: R-4.4 asks that the system show the change took effect."""
    late = (ChangeEvent.acknowledged_at.is_(None), ChangeEvent.due_on < today)
    count = session.scalar(select(func.count()).select_from(ChangeEvent).where(*late)) or 0
    carried = (OutboxItem.item_kind == CHANGE) & (OutboxItem.item_id == ChangeEvent.id)
    rows = session.execute(
        select(ChangeEvent, OutboxPackage.sequence, OutboxPackage.sent_at,
               OutboxPackage.acknowledged_at)
        .outerjoin(OutboxItem, carried)
        .outerjoin(OutboxPackage, OutboxPackage.id == OutboxItem.package_id)
        .where(*late)
        .order_by(ChangeEvent.due_on, ChangeEvent.created_at, ChangeEvent.id)
        .limit(limit)
    )  # fmt: skip
    found = [
        OverdueEvent(e.id, e.record_id, e.version, str(e.change), e.recipient, e.created_at,
                     e.due_on, sequence, _stage(sequence, sent, acked))
        for e, sequence, sent, acked in rows
    ]  # fmt: skip
    return count, found


def overdue_by_recipient(session: Session, today: dt.date) -> dict[str, int]:
    """How many change events each recipient has not acknowledged by their due day (R-4.4)."""
    late = (ChangeEvent.acknowledged_at.is_(None), ChangeEvent.due_on < today)
    rows = session.execute(
        select(ChangeEvent.recipient, func.count()).where(*late).group_by(ChangeEvent.recipient)
    )
    return {str(recipient): int(count) for recipient, count in rows}
