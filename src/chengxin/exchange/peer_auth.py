"""The receiving side of node-to-node requests (issue H): a request that names a node in
`X-Chengxin-Node` is authenticated by its signature alone, against that peer's registered key,
within the clock window and with a nonce never seen before; the answer to it is signed by this
node. Used by `access/deps.py` (who calls) and the app (the answer's signature)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chengxin.access.permissions import Role
from chengxin.access.principal import Principal
from chengxin.errors import Forbidden, Unauthenticated
from chengxin.exchange import signing
from chengxin.exchange.models import PeerNonce
from chengxin.exchange.node_rules import parse_public_key
from chengxin.exchange.nodes import find_peer
from chengxin.runtime import Runtime

ACTOR_PREFIX = "node:"
_NODE_HEADER = signing.NODE.lower().encode("latin-1")
_NONCE_HEADER = signing.NONCE.lower().encode("latin-1")


def is_node_request(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    return any(name.lower() == _NODE_HEADER for name, _ in headers)


def request_target(scope: Scope) -> str:
    """The path and query as the caller sent them (what it signed), not as decoded."""
    raw: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
    query: bytes = scope.get("query_string", b"")
    return (raw + (b"?" + query if query else b"")).decode("latin-1")


def authenticate_peer(
    sessions: sessionmaker[Session],
    now: dt.datetime,
    *,
    own_code: str,
    method: str,
    target: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
) -> str:
    """The code of the peer that signed this request; refusals name the header and the rule.
    The nonce is recorded in its own transaction, so a replay is refused by every process."""
    signed = signing.read_headers(headers)
    signing.check_skew(signed.date, now)
    with sessions() as session:
        peer = find_peer(session, signed.node)
    if peer is None:
        raise Unauthenticated(
            "is not a registered peer node of this node", field=signing.NODE, rule="known-peer"
        )
    if peer.disabled_at is not None:
        raise Unauthenticated(
            "this peer node is disabled here", field=signing.NODE, rule="peer-enabled"
        )
    message = signing.request_message(
        method=method, target=target, body=body, signed=signed.signed, receiver=own_code
    )
    if not signing.verifies(parse_public_key(peer.public_key), message, signed.signature):
        raise Unauthenticated(
            f"does not verify with the key of {peer.code} for a request to {own_code}",
            field=signing.SIGNATURE,
            rule="signature",
        )
    _use_nonce(sessions, now, peer.code, signed)
    return peer.code


def _use_nonce(
    sessions: sessionmaker[Session], now: dt.datetime, code: str, signed: signing.PeerHeaders
) -> None:
    with sessions() as session, session.begin():
        session.execute(delete(PeerNonce).where(PeerNonce.expires_at < now))
        try:
            with session.begin_nested():
                session.add(
                    PeerNonce(
                        node_code=code,
                        nonce=signed.nonce,
                        expires_at=signing.nonce_kept_until(signed.date),
                    )
                )
        except IntegrityError:
            raise Unauthenticated(
                "was used before: a replayed request is refused",
                field=signing.NONCE,
                rule="nonce-unused",
            ) from None


def node_principal(code: str) -> Principal:
    return Principal(role=Role.NODE, actor=f"{ACTOR_PREFIX}{code}")


def peer_code(principal: Principal) -> str:
    """The peer behind a signed request; a node's API key is not enough for node-only verbs."""
    if not principal.actor.startswith(ACTOR_PREFIX):
        raise Forbidden(
            "only a peer node's signed request can do this (X-Chengxin-* headers)",
            field=signing.NODE,
            rule="node-signature",
        )
    return principal.actor.removeprefix(ACTOR_PREFIX)


class SignedAnswers:
    """Signs this node's answer to every request that names a node, whatever its status (a
    refusal too): the answer is held until its last byte, its digest signed with the request's
    nonce, and sent with `X-Chengxin-Signature` and `X-Chengxin-Node`. Requests without the
    header pass through untouched and unbuffered."""

    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers", [])) if scope["type"] == "http" else {}
        requester = headers.get(_NODE_HEADER, b"").decode("latin-1")
        nonce = headers.get(_NONCE_HEADER, b"").decode("latin-1")
        if not requester or not nonce:
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def holding(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            await send(self._signed(start, requester, nonce, body))
            await send({"type": "http.response.body", "body": body, "more_body": False})

        await self.app(scope, receive, holding)

    def _signed(self, start: Message, requester: str, nonce: str, body: bytes) -> Message:
        own = self.runtime.settings.resolved_node_code
        message = signing.response_message(
            status=start["status"], nonce=nonce, body=body, responder=own, requester=requester
        )
        signature = signing.sign(self.runtime.keys.signing_key, message)
        headers = [
            *start.get("headers", []),
            (signing.NODE.lower().encode(), own.encode("latin-1")),
            (signing.SIGNATURE.lower().encode(), signature.encode("ascii")),
        ]
        return {**start, "headers": headers}
