"""Delivery of the outbox (issue H, R-5.2, R-4.4): a peer's unsent packages, in sequence order,
each as the signed request `POST /api/v1/exchange/packages`.

A package is sent when the receiver answers 201 (stored) or 200 (held already, the same digest):
then, in one transaction, the package, its change events (`delivered_at`) and its national push
rows (`sent_at`) are marked. Anything else — a refusal, no answer, an unsigned answer — is kept on
the package (`last_error`, `attempts`) and it waits 1 min, doubling to 1 h, before the next try;
the round stops there, so that packages reach the receiver in order. Nothing is sent while a
database transaction is open."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from chengxin.errors import ChengxinError
from chengxin.exchange.client import NodeClient, PeerAnswer
from chengxin.exchange.models import OutboxItem, OutboxPackage, PeerNode
from chengxin.exchange.nodes import get_peer
from chengxin.exchange.outbox import CHANGE, PUSH, backoff, package_bytes
from chengxin.exchange.push import mark_sent
from chengxin.exchange.signing import PACKAGES_PATH, SEQUENCE
from chengxin.records.models import ChangeEvent
from chengxin.runtime import Runtime

MAX_ERROR = 500


@dataclass(frozen=True)
class Delivery:
    """One round for one peer: the sequences sent (duplicates among them), and why it stopped
    early, if it did."""

    receiver: str
    sent: tuple[int, ...] = ()
    duplicates: tuple[int, ...] = ()
    failed: int | None = None  # the sequence that failed this round
    error: str | None = None
    waiting: int | None = None  # the sequence backing off, not tried this round
    retry_at: dt.datetime | None = None


def deliver(
    runtime: Runtime, *, receiver: str, now: dt.datetime, client: NodeClient | None = None
) -> Delivery:
    """Send `receiver` its unsent packages in order until one fails or backs off."""
    sent: list[int] = []
    duplicates: list[int] = []
    with runtime.reads() as session:
        peer = get_peer(session, receiver)
        session.expunge(peer)
    if peer.disabled_at is not None:
        return Delivery(receiver)
    own = client or NodeClient.of(runtime)
    try:
        while True:
            with runtime.reads() as session:
                package = _next_unsent(session, peer)
                if package is None:
                    break
                body = package_bytes(runtime.keys, package)
                package_id, sequence, digest = package.id, package.sequence, package.messages_sha256
                if package.next_attempt_at is not None and package.next_attempt_at > now:
                    return Delivery(receiver, tuple(sent), tuple(duplicates),
                                    waiting=sequence, retry_at=package.next_attempt_at)  # fmt: skip
            error, duplicate = _send(own, peer, sequence, digest, body)
            with runtime.sessions() as session, session.begin():
                if error is not None:
                    retry_at = _failed(session, package_id, now, error)
                    return Delivery(receiver, tuple(sent), tuple(duplicates), failed=sequence,
                                    error=error, retry_at=retry_at)  # fmt: skip
                _mark_sent(session, package_id, now)
            sent.append(sequence)
            if duplicate:
                duplicates.append(sequence)
    finally:
        if client is None:
            own.close()
    return Delivery(receiver, tuple(sent), tuple(duplicates))


def _next_unsent(session: Session, peer: PeerNode) -> OutboxPackage | None:
    return session.scalars(
        select(OutboxPackage)
        .where(OutboxPackage.peer_id == peer.id, OutboxPackage.sent_at.is_(None))
        .order_by(OutboxPackage.sequence)
        .limit(1)
    ).first()


def _send(
    client: NodeClient, peer: PeerNode, sequence: int, digest: str, body: bytes
) -> tuple[str | None, bool]:
    """(why it failed or None, whether the receiver held it already)."""
    headers = {"Content-Type": "application/gzip", SEQUENCE: str(sequence)}
    try:
        answer = client.send(peer, "POST", PACKAGES_PATH, body, headers)
    except ChengxinError as exc:  # PeerError: unreachable, late, unsigned answer
        return f"{exc.rule or type(exc).__name__}: {exc.message}"[:MAX_ERROR], False
    return _judge(answer, digest)


def _judge(answer: PeerAnswer, digest: str) -> tuple[str | None, bool]:
    try:
        body = answer.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return f"{answer.status}: the answer is not a JSON object", False
    if answer.status in (200, 201) and body.get("messages_sha256") == digest:
        return None, answer.status == 200
    if answer.status in (200, 201):
        return f"{answer.status}: the receiver holds other messages under this number", False
    detail = f"{answer.status} {body.get('field')} {body.get('rule')}: {body.get('detail', '')}"
    return detail[:MAX_ERROR], False


def _failed(session: Session, package_id: uuid.UUID, now: dt.datetime, error: str) -> dt.datetime:
    package = session.get_one(OutboxPackage, package_id)
    package.attempts += 1
    package.last_error = error
    package.next_attempt_at = now + backoff(package.attempts)
    return package.next_attempt_at


def _mark_sent(session: Session, package_id: uuid.UUID, now: dt.datetime) -> None:
    done = session.execute(
        update(OutboxPackage)
        .where(OutboxPackage.id == package_id, OutboxPackage.sent_at.is_(None))
        .values(sent_at=now, attempts=OutboxPackage.attempts + 1, next_attempt_at=None,
                last_error=None)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    if done.rowcount != 1:  # type: ignore[attr-defined]
        return  # another worker delivered it at the same time and marked everything
    carried = select(OutboxItem.item_id).where(OutboxItem.package_id == package_id)
    session.execute(
        update(ChangeEvent)
        .where(ChangeEvent.id.in_(carried.where(OutboxItem.item_kind == CHANGE)),
               ChangeEvent.delivered_at.is_(None))
        .values(delivered_at=now)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    pushes = list(session.scalars(carried.where(OutboxItem.item_kind == PUSH)))
    mark_sent(session, pushes, now)
