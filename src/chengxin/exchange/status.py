"""How the exchange stands, for the console (R-4.4, R-5.2): per peer, what waits in the outbox
(and why the oldest package has not gone), what came in, and the change events past their due
day. Reads only; ids, codes and counts, never personal data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chengxin.exchange.models import InboxPackage, OutboxPackage, PeerNode


@dataclass(frozen=True)
class PeerStatus:
    peer: PeerNode
    unsent: int  # packages built and not yet taken by the peer
    sent: int
    last_sent_at: dt.datetime | None
    oldest_unsent: OutboxPackage | None  # the one the next round sends first: its error, wait
    received: int  # packages the peer sent here
    last_received: int | None  # the highest sequence received from the peer


def peer_statuses(session: Session) -> list[PeerStatus]:
    peers = list(session.scalars(select(PeerNode).order_by(PeerNode.code)))
    outbox = {
        peer_id: (unsent or 0, sent or 0, last)
        for peer_id, unsent, sent, last in session.execute(
            select(
                OutboxPackage.peer_id,
                func.count().filter(OutboxPackage.sent_at.is_(None)),
                func.count(OutboxPackage.sent_at),
                func.max(OutboxPackage.sent_at),
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
    found = []
    for peer in peers:
        unsent, sent, last_sent = outbox.get(peer.id, (0, 0, None))
        oldest = None
        if unsent:
            oldest = session.scalars(
                select(OutboxPackage)
                .where(OutboxPackage.peer_id == peer.id, OutboxPackage.sent_at.is_(None))
                .order_by(OutboxPackage.sequence).limit(1)
            ).first()  # fmt: skip
        received, last_received = inbox.get(peer.id, (0, None))
        found.append(PeerStatus(peer, unsent, sent, last_sent, oldest, received, last_received))
    return found
