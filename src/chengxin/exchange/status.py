"""How the exchange stands, for the console (R-4.4, R-5.2): per peer, what waits in the outbox
(and why the oldest package has not gone), what the peer has acknowledged (回执) and what awaits
its ack, what came in, and the change events it has not acknowledged by their due day. Reads
only; ids, codes and counts, never personal data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from chengxin.exchange.models import InboxPackage, OutboxPackage, PeerNode
from chengxin.exchange.outbox import overdue_by_recipient


@dataclass(frozen=True)
class PeerStatus:
    peer: PeerNode
    unsent: int  # packages built and not yet taken by the peer
    sent: int
    last_sent_at: dt.datetime | None
    oldest_unsent: OutboxPackage | None  # the one the next round sends first: its error, wait
    acknowledged: int  # packages the peer acknowledged
    refused: int  # messages the peer refused, over the packages it acknowledged
    awaiting_ack: int  # packages the peer took and has not acknowledged
    oldest_awaiting: OutboxPackage | None
    overdue: int  # change events owed to the peer and not acknowledged by their due day
    received: int  # packages the peer sent here
    last_received: int | None  # the highest sequence received from the peer


def peer_statuses(session: Session, today: dt.date) -> list[PeerStatus]:
    peers = list(session.scalars(select(PeerNode).order_by(PeerNode.code)))
    acked = OutboxPackage.acknowledged_at.is_not(None)
    awaiting = OutboxPackage.sent_at.is_not(None) & OutboxPackage.acknowledged_at.is_(None)
    outbox = {
        peer_id: (unsent or 0, sent or 0, last, acknowledged or 0, refused or 0, waiting or 0)
        for peer_id, unsent, sent, last, acknowledged, refused, waiting in session.execute(
            select(
                OutboxPackage.peer_id,
                func.count().filter(OutboxPackage.sent_at.is_(None)),
                func.count(OutboxPackage.sent_at),
                func.max(OutboxPackage.sent_at),
                func.count(OutboxPackage.acknowledged_at),
                func.sum(OutboxPackage.ack_refused).filter(acked),
                func.count().filter(awaiting),
            ).group_by(OutboxPackage.peer_id)
        )
    }
    inbox = {
        peer_id: (count, last)
        for peer_id, count, last in session.execute(
            select(InboxPackage.peer_id, func.count(), func.max(InboxPackage.sequence))
            .group_by(InboxPackage.peer_id)
        )
    }  # fmt: skip
    late = overdue_by_recipient(session, today)
    found = []
    for peer in peers:
        unsent, sent, last_sent, acknowledged, refused, waiting = outbox.get(
            peer.id, (0, 0, None, 0, 0, 0)
        )
        oldest = _oldest(session, peer, OutboxPackage.sent_at.is_(None)) if unsent else None
        oldest_awaiting = _oldest(session, peer, awaiting) if waiting else None
        received, last_received = inbox.get(peer.id, (0, None))
        found.append(PeerStatus(peer, unsent, sent, last_sent, oldest, acknowledged, refused,
                                waiting, oldest_awaiting, late.get(peer.code, 0), received,
                                last_received))  # fmt: skip
    return found


def _oldest(session: Session, peer: PeerNode, where: ColumnElement[bool]) -> OutboxPackage | None:
    return session.scalars(
        select(OutboxPackage)
        .where(OutboxPackage.peer_id == peer.id, where)
        .order_by(OutboxPackage.sequence).limit(1)
    ).first()  # fmt: skip
