"""Applying the inbox (issue H item 7, R-4.4): each peer's packages strictly in their sequence
order, whatever order they arrived in, each in one transaction, and each acknowledged (回执).

A package is applied when it is the next after the last one applied from its sender; later ones
wait in the inbox until the gap before them is filled (the sender's outbox sends again until
they are taken). Claiming a package is a conditional update of its state, so two workers never
apply one package twice: the second finds it applied and rolls back. The stored bytes are
checked again with the sender's key before they are applied, so a row altered in the database
is refused rather than applied."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from chengxin.exchange.acks import acks_only, apply_ack, queue_ack
from chengxin.exchange.copies import Outcome, apply_message
from chengxin.exchange.inbox import package_bytes
from chengxin.exchange.messages import Ack, AckOutcome, AckRefusal
from chengxin.exchange.models import InboxPackage, InboxState, PeerNode
from chengxin.exchange.node_rules import parse_public_key
from chengxin.exchange.packages import Limits, unpack
from chengxin.exchange.sequence import missing
from chengxin.keys import KeyRing
from chengxin.workdays.rules import Calendar

if TYPE_CHECKING:
    from chengxin.runtime import Runtime

log = logging.getLogger("chengxin.exchange")


@dataclass(frozen=True, slots=True)
class Applied:
    sender: str
    sequence: int
    applied: int  # messages that changed something here
    refused: int  # messages refused, named in the ack


@dataclass(frozen=True, slots=True)
class ApplyReport:
    packages: list[Applied]
    waiting: dict[str, list[int]]  # per sender: the numbers missing before what it holds


@dataclass(frozen=True, slots=True)
class Receiver:
    """What applying needs to know about this node."""

    code: str
    keys: KeyRing
    calendar: Calendar
    limits: Limits


def apply_inbox(
    factory: sessionmaker[Session], me: Receiver, now: dt.datetime, *,
    senders: list[str] | None = None, limit: int = 1000,
) -> ApplyReport:  # fmt: skip
    """Apply, sender by sender, every package that is next in line, up to `limit` in all."""
    with factory() as session:
        peers = [(p.id, p.code) for p in session.scalars(select(PeerNode).order_by(PeerNode.code))
                 if p.disabled_at is None and (senders is None or p.code in senders)]  # fmt: skip
    done: list[Applied] = []
    waiting: dict[str, list[int]] = {}
    for peer_id, code in peers:
        while len(done) < limit:
            with factory() as session, session.begin():
                one = _apply_next(session, me, now, peer_id=peer_id)
            if one is None:
                break
            done.append(one)
        with factory() as session:
            gap = _gap(session, peer_id)
        if gap:
            waiting[code] = gap
    return ApplyReport(done, waiting)


def _last_applied(session: Session, peer_id: uuid.UUID) -> int:
    return (
        session.scalar(
            select(func.coalesce(func.max(InboxPackage.sequence), 0)).where(
                InboxPackage.peer_id == peer_id, InboxPackage.state == InboxState.APPLIED.value
            )
        )
        or 0
    )


def _apply_next(
    session: Session, me: Receiver, now: dt.datetime, *, peer_id: uuid.UUID
) -> Applied | None:
    peer = session.get_one(PeerNode, peer_id)
    following = _last_applied(session, peer.id) + 1
    package = session.scalar(
        select(InboxPackage).where(
            InboxPackage.peer_id == peer.id,
            InboxPackage.sequence == following,
            InboxPackage.state == InboxState.RECEIVED.value,
        )
    )
    if package is None:
        return None
    claimed = session.execute(
        update(InboxPackage)
        .where(InboxPackage.id == package.id, InboxPackage.state == InboxState.RECEIVED.value)
        .values(state=InboxState.APPLIED.value, applied_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None  # another worker took it
    data = package_bytes(me.keys, package)
    messages = unpack(data, sender=peer.code, sender_key=parse_public_key(peer.public_key),
                      receiver=me.code, limits=me.limits).messages  # fmt: skip
    applied = 0
    refused: list[AckRefusal] = []
    for message in messages:
        if isinstance(message, Ack):
            applied += apply_ack(session, now, peer_id=peer.id, ack=message)
            continue
        result = apply_message(session, me.keys, me.calendar, now, sender=peer.code,
                               message=message)  # fmt: skip
        if result.outcome is Outcome.APPLIED:
            applied += 1
        elif result.outcome is Outcome.REFUSED:
            refused.append(AckRefusal(message.id, result.field or "message",
                                      result.rule or "invalid"))  # fmt: skip
            log.warning("refused message %s from %s: %s (%s)", message.id, peer.code,
                        result.rule, result.message)  # fmt: skip
    session.execute(
        update(InboxPackage)
        .where(InboxPackage.id == package.id)
        .values(applied=applied, refused=len(refused))
        .execution_options(synchronize_session=False)
    )
    if not acks_only(messages):
        queue_ack(session, now, peer_id=peer.id, sequence=package.sequence,
                  messages_sha256=package.messages_sha256, outcome=AckOutcome.APPLIED,
                  refused=refused)  # fmt: skip
    return Applied(peer.code, package.sequence, applied, len(refused))


def _gap(session: Session, peer_id: uuid.UUID) -> list[int]:
    held = session.scalars(
        select(InboxPackage.sequence).where(
            InboxPackage.peer_id == peer_id, InboxPackage.state == InboxState.RECEIVED.value
        )
    )
    return missing(_last_applied(session, peer_id), list(held))


def run_apply(rt: Runtime, *, senders: list[str] | None = None) -> str:
    """For `chengxin jobs run apply` and `chengxin exchange apply [--peer CODE]`."""
    me = Receiver(code=rt.settings.resolved_node_code, keys=rt.keys, calendar=rt.workdays,
                  limits=Limits(max_compressed_bytes=rt.settings.max_package_bytes))  # fmt: skip
    report = apply_inbox(rt.sessions, me, rt.clock(), senders=senders)
    waits = "; ".join(f"{code} waits for {', '.join(map(str, gap))}"
                      for code, gap in report.waiting.items())  # fmt: skip
    refused = sum(p.refused for p in report.packages)
    return (f"applied {len(report.packages)} packages "
            f"({sum(p.applied for p in report.packages)} changes, {refused} messages refused)"
            + (f"; {waits}" if waits else ""))  # fmt: skip
