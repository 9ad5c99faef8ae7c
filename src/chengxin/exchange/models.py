"""The exchange's tables: the queue of serious-dishonesty records pushed to the national node
(R-5.5, §6.2 of the guiding opinions), filled by the `push` job; the peer nodes this node trusts,
the request nonces they used, and the inbox of packages they sent (issue H)."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, UTCDateTime, new_id, str_enum
from chengxin.exchange.node_rules import NodeRole
from chengxin.sealed import sealed_columns


class NationalPush(Base):
    """One record owed to the national node, once: later changes reach it as change events
    through its `record_shares` row (R-4.4)."""

    __tablename__ = "national_push"
    __table_args__ = (Index("ix_national_push_unsent", "sent_at", "queued_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id"), unique=True)
    version: Mapped[int] = mapped_column(Integer)  # the version that met the criteria
    criterion: Mapped[str] = mapped_column(String(64))  # which rule made it serious
    queued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class PeerNode(Base):
    """Another chengxin node this one trusts (issue H): its code, role, region, base URL and
    Ed25519 public key, as its operator gave them (`chengxin nodes add`). A disabled peer is
    refused at once and stays on file with its history."""

    __tablename__ = "peer_nodes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    role: Mapped[NodeRole] = mapped_column(str_enum(NodeRole, "node_role"))
    region_code: Mapped[str] = mapped_column(String(6))
    base_url: Mapped[str] = mapped_column(String(300))
    public_key: Mapped[str] = mapped_column(String(44), unique=True)  # base64 of 32 bytes
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    added_by: Mapped[str] = mapped_column(String(100))
    disabled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    disabled_by: Mapped[str | None] = mapped_column(String(100))


class PeerNonce(Base):
    """A request nonce a peer used, kept until its request's date leaves the accepted window:
    the same signed request sent again is refused, by every process of this node."""

    __tablename__ = "peer_nonces"

    node_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)


class InboxState(StrEnum):
    RECEIVED = "received"  # stored as it came, waiting for its turn (the packages before it)
    APPLIED = "applied"  # its messages applied, in sequence order; an ack is owed or sent


class InboxPackage(Base):
    """A package a peer sent, verified (signature, schema) and stored as its bytes, sealed, before
    it is applied. One per sender and sequence number: the same messages again are a duplicate,
    other messages under the number a conflict."""

    __tablename__ = "exchange_inbox"
    __table_args__ = (UniqueConstraint("peer_id", "sequence"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    peer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("peer_nodes.id"))
    sequence: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    messages_sha256: Mapped[str] = mapped_column(String(64))  # the header's digest of the messages
    size: Mapped[int] = mapped_column(BigInteger)
    # Sealed: the messages name people. Read only to apply (`inbox.package_bytes`).
    body_enc: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    # A plain string, not a CHECK-constrained enum: the states grow when packages are applied,
    # and SQLite would rebuild this table of blobs to change a CHECK.
    state: Mapped[str] = mapped_column(String(16), default=InboxState.RECEIVED.value)
    applied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    applied: Mapped[int | None] = mapped_column(Integer)  # messages that changed something here
    refused: Mapped[int | None] = mapped_column(Integer)  # messages refused (named in the ack)


sealed_columns(InboxPackage, "body_enc")


class OutboxPackage(Base):
    """A package this node built for one peer (issue H, R-4.4): numbered per receiver from 1 with
    no gaps, stored as the signed bytes (sealed: the messages name people) and sent as they are
    until the receiver takes it (201, or 200 for one it holds already: `sent_at`)."""

    __tablename__ = "exchange_outbox"
    __table_args__ = (UniqueConstraint("peer_id", "sequence"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    peer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("peer_nodes.id"))
    sequence: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    message_count: Mapped[int] = mapped_column(Integer)
    messages_sha256: Mapped[str] = mapped_column(String(64))  # the header's digest
    size: Mapped[int] = mapped_column(BigInteger)
    body_enc: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # backing off
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The receiver's ack (回执): it applied the package (R-4.4 "the system can show that it did").
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    ack_outcome: Mapped[str | None] = mapped_column(String(16))
    ack_refused: Mapped[int | None] = mapped_column(Integer)


sealed_columns(OutboxPackage, "body_enc")


class OutboxItem(Base):
    """What a package carries: a change event or a national push row, each in one package only
    (the primary key), so that nothing is packed, and sent, twice."""

    __tablename__ = "exchange_outbox_items"

    item_kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # change | push | ack
    item_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    package_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exchange_outbox.id"), index=True)


class AckDue(Base):
    """An ack this node owes a peer for a package it applied (or had applied before): sent to the
    peer in this node's next package to it. Packages of acks only are not acked back."""

    __tablename__ = "exchange_acks"
    __table_args__ = (UniqueConstraint("peer_id", "sequence"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    peer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("peer_nodes.id"))
    sequence: Mapped[int] = mapped_column(BigInteger)  # the peer's package number
    messages_sha256: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))  # applied | duplicate
    refused: Mapped[str] = mapped_column(Text, default="[]")  # JSON: message_id, field, rule
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
