"""Routes between nodes (issue H): a signed ping, and the inbox that takes a peer's packages.
Both are answered with this node's signature (`peer_auth.SignedAnswers`)."""

from __future__ import annotations

import base64
import datetime as dt
import re
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from chengxin.access.deps import allowed
from chengxin.access.permissions import Permission, Role
from chengxin.access.principal import Principal
from chengxin.errors import ChengxinError, InvalidInput
from chengxin.exchange.inbox import receive_package
from chengxin.exchange.node_rules import NodeRole
from chengxin.exchange.nodes import get_peer, own_node
from chengxin.exchange.packages import Limits, Package, unpack
from chengxin.exchange.peer_auth import ACTOR_PREFIX, peer_code
from chengxin.exchange.signing import SEQUENCE
from chengxin.problems import GUARDED, NO_NUL, problem_responses
from chengxin.runtime import Runtime, runtime_of

router = APIRouter(
    prefix="/api/v1/exchange", tags=["exchange"], responses=GUARDED, dependencies=NO_NUL
)
PACKAGE_TYPE = "application/gzip"
GZIP_MAGIC = b"\x1f\x8b"
MAX_SEQUENCE = 2**63 - 1
_SEQUENCE = re.compile(r"^[1-9][0-9]{0,18}$")
Peer = Annotated[Principal, allowed(Permission.EXCHANGE_HELLO)]
Sender = Annotated[Principal, allowed(Permission.EXCHANGE_WRITE)]


class UnsupportedMediaType(ChengxinError):
    status = 415
    title = "Unsupported media type"
    type_slug = "unsupported-media-type"


class NodeOut(BaseModel):
    code: str
    role: NodeRole
    region: str
    url: str | None


class CallerOut(BaseModel):
    role: Role
    actor: str
    node: str | None  # the peer's code when it signed the request


class HelloOut(BaseModel):
    node: NodeOut
    caller: CallerOut
    at: dt.datetime


class ReceiptOut(BaseModel):
    id: uuid.UUID
    sender: str
    sequence: int
    messages_sha256: str  # the package header's digest of its messages
    size: int
    state: str  # received, or duplicate when it was held already
    received_at: dt.datetime


@router.get(
    "/hello", response_model=HelloOut, summary="A peer's signed ping: who answers, who asks"
)
def hello(request: Request, caller: Peer) -> HelloOut:
    rt = runtime_of(request)
    own = own_node(rt.settings, rt.keys)
    node = (
        caller.actor.removeprefix(ACTOR_PREFIX) if caller.actor.startswith(ACTOR_PREFIX) else None
    )
    return HelloOut(
        node=NodeOut(code=own.code, role=own.role, region=own.region_code, url=own.url),
        caller=CallerOut(role=caller.role, actor=caller.actor, node=node),
        at=rt.clock(),
    )


def _verified(rt: Runtime, *, sender: str, sequence: int, body: bytes) -> Package:
    """The package unpacked and checked whole — the sender's signature with its registered key,
    this node as receiver, every message against its schema — before anything is stored; its
    header's sequence must be the one the signed request named."""
    with rt.reads() as session:
        peer = get_peer(session, sender)
    limits = Limits(max_compressed_bytes=rt.settings.max_package_bytes)
    package = unpack(body, sender=sender, sender_key=base64.b64decode(peer.public_key),
                     receiver=own_node(rt.settings, rt.keys).code, limits=limits)  # fmt: skip
    if package.header.sequence != sequence:
        raise InvalidInput(
            f"names sequence {sequence}, the package's header {package.header.sequence}",
            field=SEQUENCE, rule="sequence-match",
        )  # fmt: skip
    return package


async def package_body(request: Request) -> bytes:
    return await request.body()  # within the app's body limit for this path


def _sequence(raw: str | None) -> int:
    if raw is None:
        raise InvalidInput(
            "is required: the sender's number for this package", field=SEQUENCE, rule="required"
        )
    if not _SEQUENCE.match(raw) or int(raw) > MAX_SEQUENCE:
        raise InvalidInput(
            f"must be a whole number from 1 to {MAX_SEQUENCE}, no leading zeros",
            field=SEQUENCE,
            rule="sequence",
        )
    return int(raw)


@router.post(
    "/packages",
    response_model=ReceiptOut,
    status_code=201,
    summary="Store a peer's package (gzip bytes) in the inbox, once per sequence number",
    responses={
        200: {"description": "the same package was held already (state duplicate)"},
        **problem_responses(
            described={
                409: "this sequence number came before with other content",
                413: "larger than CHENGXIN_MAX_PACKAGE_BYTES",
                415: "not application/gzip",
            }
        ),
    },
)
def receive(
    request: Request, caller: Sender, body: Annotated[bytes, Depends(package_body)]
) -> JSONResponse:
    sender = peer_code(caller)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != PACKAGE_TYPE:
        raise UnsupportedMediaType(
            f"must be {PACKAGE_TYPE}", field="Content-Type", rule="media-type"
        )
    sequence = _sequence(request.headers.get(SEQUENCE))
    if not body.startswith(GZIP_MAGIC):
        raise InvalidInput(
            "is not gzip data (it must start with the gzip magic bytes 1f 8b)",
            field="body",
            rule="gzip",
        )
    rt = runtime_of(request)
    verified = _verified(rt, sender=sender, sequence=sequence, body=body)
    with rt.sessions() as session, session.begin():
        receipt = receive_package(session, rt.keys, rt.clock(), sender=sender, sequence=sequence,
                                  digest=verified.digest, body=body)  # fmt: skip
        package = receipt.package
        out = ReceiptOut(
            id=package.id,
            sender=sender,
            sequence=package.sequence,
            messages_sha256=package.messages_sha256,
            size=package.size,
            state="duplicate" if receipt.duplicate else package.state,
            received_at=package.received_at,
        )
    return JSONResponse(out.model_dump(mode="json"), status_code=200 if receipt.duplicate else 201)
