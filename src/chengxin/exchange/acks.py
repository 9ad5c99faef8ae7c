"""Acknowledgements (回执) between nodes (issue H, R-4.4): "the system can show that it did".

A node that applied a peer's package (or saw it again) owes the peer an ack: `queue_ack` keeps
one per package, and `outbox.build_packages` sends it in the next package to that peer, acks
first. A package of acks only is not acked back (`acks_only`), so two nodes never ping-pong.
The sender records the ack on its own package with `apply_ack`: the package and the change events
it carried are then acknowledged, and a change not acknowledged by its due day is overdue
(`outbox.overdue`). An ack must name a package this node sent that peer, with the same digest of
its messages; anything else is logged and ignored, since a peer can only confirm what it got.

National push rows have no acknowledgement of their own: a record queued for the national node
is acknowledged with its package (`exchange_outbox.acknowledged_at`)."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from chengxin.db import conflict_insert
from chengxin.exchange.messages import Ack, AckOutcome, AckRefusal, Message
from chengxin.exchange.models import AckDue, OutboxItem, OutboxPackage, PeerNode
from chengxin.exchange.outbox import CHANGE
from chengxin.exchange.outbox_messages import refusals_json
from chengxin.records.models import ChangeEvent

log = logging.getLogger("chengxin.exchange")


def queue_ack(
    session: Session,
    now: dt.datetime,
    *,
    peer_id: uuid.UUID,
    sequence: int,
    messages_sha256: str,
    outcome: AckOutcome,
    refused: Sequence[AckRefusal],
) -> None:
    """Owe `peer_id` an ack for its package `sequence`, once: a second call for the same package
    (a duplicate seen later, or another applier) leaves the first row as it is."""
    row = {
        "id": uuid.uuid4(), "peer_id": peer_id, "sequence": sequence,
        "messages_sha256": messages_sha256, "outcome": outcome.value,
        "refused": refusals_json(refused), "created_at": now,
    }  # fmt: skip
    session.execute(
        conflict_insert(session, AckDue)
        .values(row)
        .on_conflict_do_nothing(index_elements=["peer_id", "sequence"])
    )


def acks_only(messages: Sequence[Message]) -> bool:
    """Whether a package holds acks and nothing else: such a package is not acked back."""
    return bool(messages) and all(isinstance(m, Ack) for m in messages)


def apply_ack(session: Session, now: dt.datetime, *, peer_id: uuid.UUID, ack: Ack) -> bool:
    """Record `peer_id`'s ack of this node's package `ack.sequence` to it: the package and the
    change events it carried, except those the peer refused, are acknowledged at `now`. True when
    something was recorded; False for a later ack of the same package (the first one stands) and
    for an ack of no package of ours or of other messages (logged; nothing written)."""
    package = session.scalars(
        select(OutboxPackage).where(
            OutboxPackage.peer_id == peer_id, OutboxPackage.sequence == ack.sequence
        )
    ).first()
    if package is None or package.messages_sha256 != ack.messages_sha256:
        why = "no such package" if package is None else "the digest differs"
        log.warning("ack %s from %s for package #%s ignored: %s", ack.id,
                    _code(session, peer_id), ack.sequence, why)  # fmt: skip
        return False
    first = session.execute(
        update(OutboxPackage)
        .where(OutboxPackage.id == package.id, OutboxPackage.acknowledged_at.is_(None))
        .values(acknowledged_at=now, ack_outcome=ack.outcome.value, ack_refused=len(ack.refused))
        .execution_options(synchronize_session=False)
    )
    if first.rowcount != 1:  # type: ignore[attr-defined]
        return False  # acknowledged already (the same ack in a package resent, or a race)
    session.expire(package)
    if ack.refused:
        named = "; ".join(f"{r.message_id} {r.field} {r.rule}" for r in ack.refused)
        log.warning("%s refused %d messages of package #%s: %s", _code(session, peer_id),
                    len(ack.refused), ack.sequence, named)  # fmt: skip
    # A refused change did not take effect there: it stays unacknowledged, and overdue in time.
    refused_ids = [r.message_id for r in ack.refused]
    carried = select(OutboxItem.item_id).where(
        OutboxItem.package_id == package.id, OutboxItem.item_kind == CHANGE
    )
    session.execute(
        update(ChangeEvent)
        .where(ChangeEvent.id.in_(carried), ChangeEvent.acknowledged_at.is_(None),
               ChangeEvent.id.not_in(refused_ids))
        .values(acknowledged_at=now)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    return True


def _code(session: Session, peer_id: uuid.UUID) -> str:
    peer = session.get(PeerNode, peer_id)
    return peer.code if peer is not None else str(peer_id)
