"""Peer node verbs (issue H): register a node this one trusts, list, find and disable peers, and
this node's own identity as its peers need it. The operator adds a peer from values its operator
handed over (`chengxin nodes self` on the other side), after comparing the key's fingerprint by
another channel."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chengxin.errors import Conflict, InvalidInput, NotFound
from chengxin.exchange.models import PeerNode
from chengxin.exchange.node_rules import (
    NodeRole,
    b64,
    check_base_url,
    check_code,
    check_region,
    fingerprint,
    parse_public_key,
)
from chengxin.keys import KeyRing
from chengxin.ledger.service import append_entry
from chengxin.settings import Settings


@dataclass(frozen=True)
class OwnNode:
    """This node as its peers register it."""

    code: str
    role: NodeRole
    region_code: str
    url: str | None
    public_key: str  # base64 of the raw Ed25519 key

    @property
    def fingerprint(self) -> str:
        return fingerprint(parse_public_key(self.public_key))


def own_node(settings: Settings, keys: KeyRing) -> OwnNode:
    return OwnNode(
        code=settings.resolved_node_code,
        role=settings.node_role,
        region_code=settings.region_code,
        url=settings.node_url,
        public_key=keys.public_key_b64,
    )


def add_peer(
    session: Session,
    now: dt.datetime,
    own: OwnNode,
    *,
    code: str,
    role: NodeRole,
    region_code: str,
    base_url: str,
    public_key: str,
    actor: str,
) -> PeerNode:
    """Trust another node: checked, then stored in the caller's transaction."""
    code = check_code(code.strip())
    region_code = check_region(region_code)
    base_url = check_base_url(base_url)
    key = b64(parse_public_key(public_key))
    if code == own.code:
        raise InvalidInput("is this node's own code", field="code", rule="not-self")
    if key == own.public_key:
        raise InvalidInput("is this node's own key", field="public_key", rule="not-self")
    if find_peer(session, code) is not None:
        raise Conflict(f"a peer with code {code} is already on file", field="code", rule="unique")
    holder = session.scalar(select(PeerNode.code).where(PeerNode.public_key == key))
    if holder is not None:
        raise Conflict(f"peer {holder} already has this key", field="public_key", rule="unique")
    peer = PeerNode(
        code=code,
        role=role,
        region_code=region_code,
        base_url=base_url,
        public_key=key,
        added_at=now,
        added_by=actor,
    )
    try:
        with session.begin_nested():  # another operator's add of the same peer at the same time
            session.add(peer)
    except IntegrityError:
        raise Conflict(
            f"a peer with code {code} or this key was just added", field="code", rule="unique"
        ) from None
    _ledger(session, now, peer, event="add", actor=actor)
    return peer


def _ledger(session: Session, now: dt.datetime, peer: PeerNode, *, event: str, actor: str) -> None:
    """Whom this node trusts is part of its history: each change is a `node` ledger entry."""
    append_entry(session, now, {
        "kind": "node", "event": event, "code": peer.code, "role": str(peer.role),
        "region": peer.region_code, "url": peer.base_url,
        "key_fingerprint": fingerprint(parse_public_key(peer.public_key)), "actor": actor,
    })  # fmt: skip


def find_peer(session: Session, code: str) -> PeerNode | None:
    """The peer with this code, disabled or not."""
    return session.scalar(select(PeerNode).where(PeerNode.code == code))


def get_peer(session: Session, code: str) -> PeerNode:
    peer = find_peer(session, code)
    if peer is None:
        raise NotFound(f"no peer node has code {code}", field="code")
    return peer


def list_peers(session: Session) -> list[PeerNode]:
    return list(session.scalars(select(PeerNode).order_by(PeerNode.code)))


def disable_peer(session: Session, now: dt.datetime, code: str, *, actor: str) -> PeerNode:
    """Refuse a peer from now on (its requests, and our requests to it); it stays on file."""
    peer = get_peer(session, code)
    if peer.disabled_at is not None:
        raise Conflict(f"peer {code} is already disabled", field="code", rule="enabled")
    peer.disabled_at, peer.disabled_by = now, actor
    session.flush()
    _ledger(session, now, peer, event="disable", actor=actor)
    return peer
