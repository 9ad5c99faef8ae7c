"""The inbox of packages peers send (issue H): each, once verified, stored as its bytes (sealed:
the messages name people), once per sender and sequence number. Two packages are the same when
their messages are (the header's digest), whatever their creation time. Applying them is the
next step's work."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chengxin.errors import Conflict, Unauthenticated
from chengxin.exchange.models import InboxPackage, InboxState
from chengxin.exchange.nodes import find_peer
from chengxin.exchange.signing import SEQUENCE
from chengxin.keys import KeyRing
from chengxin.sealed import seal, unseal

TABLE = "exchange_inbox"


@dataclass(frozen=True)
class Receipt:
    package: InboxPackage
    duplicate: bool  # the same package (sender, sequence, digest) was already stored


def receive_package(
    session: Session, keys: KeyRing, now: dt.datetime, *, sender: str, sequence: int,
    digest: str, body: bytes,
) -> Receipt:  # fmt: skip
    """Store a verified package from `sender` in the caller's transaction. The same sequence with
    the same messages again is a duplicate (nothing is written); with others it is refused."""
    peer = find_peer(session, sender)
    if peer is None or peer.disabled_at is not None:  # authenticated a moment ago; disabled since
        raise Unauthenticated(f"{sender} is not an enabled peer", field="sender", rule="known-peer")
    held = _held(session, peer.id, sequence)
    if held is None:
        package_id = uuid.uuid4()
        sealed = seal(keys, TABLE, "body_enc", package_id, base64.b64encode(body).decode("ascii"))
        package = InboxPackage(
            id=package_id,
            peer_id=peer.id,
            sequence=sequence,
            received_at=now,
            messages_sha256=digest,
            size=len(body),
            body_enc=sealed,
            state=InboxState.RECEIVED.value,
        )
        try:
            with session.begin_nested():  # the same package from a retry that overtook us
                session.add(package)
            return Receipt(package, duplicate=False)
        except IntegrityError:
            held = _held(session, peer.id, sequence)
            if held is None:
                raise
    if held.messages_sha256 != digest:
        raise Conflict(
            f"sequence {sequence} from {sender} was received before with other messages "
            f"(SHA-256 {held.messages_sha256[:12]}…); a sequence number is never reused",
            field=SEQUENCE,
            rule="sequence-unique",
        )
    return Receipt(held, duplicate=True)


def package_bytes(keys: KeyRing, package: InboxPackage) -> bytes:
    """The package as it was sent."""
    text = unseal(keys, TABLE, "body_enc", package.id, package.body_enc)
    return base64.b64decode(text)


def _held(session: Session, peer_id: uuid.UUID, sequence: int) -> InboxPackage | None:
    return session.scalar(
        select(InboxPackage).where(
            InboxPackage.peer_id == peer_id, InboxPackage.sequence == sequence
        )
    )


def inbox_of(session: Session, sender: str) -> list[InboxPackage]:
    """The packages held from a peer, by sequence."""
    peer = find_peer(session, sender)
    if peer is None:
        return []
    return list(
        session.scalars(
            select(InboxPackage)
            .where(InboxPackage.peer_id == peer.id)
            .order_by(InboxPackage.sequence)
        )
    )
