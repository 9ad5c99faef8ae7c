"""The ledger served to anyone (R-3.3): checkpoint, entries, RFC 9162 proofs, the public key.
Hashes are lower-case hex; the JSON keys are fixed so outside verifiers can rely on them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from chengxin.access.deps import allowed
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.errors import NotFound
from chengxin.ledger import service
from chengxin.ledger.entries import SUBJECT_KEY, redacted
from chengxin.problems import GUARDED, NO_NUL, problem_responses
from chengxin.runtime import runtime_of

router = APIRouter(prefix="/api/v1/ledger", tags=["ledger"], responses=GUARDED, dependencies=NO_NUL)
Reader = Annotated[Principal, allowed(Permission.LEDGER_READ)]


class CheckpointOut(BaseModel):
    tree_size: int
    root_hash: str
    timestamp: dt.datetime
    note: str = Field(description="C2SP tlog-checkpoint body: origin, size, base64 root")
    signature: str = Field(description="base64 Ed25519 signature over the bytes of note")


class EntryOut(BaseModel):
    index: int
    leaf_hash: str
    entry: dict[str, Any] = Field(description="The entry; whose it is is redacted for outsiders")


class InclusionOut(BaseModel):
    leaf_index: int
    tree_size: int
    leaf_hash: str
    audit_path: list[str]


class ConsistencyOut(BaseModel):
    first: int
    second: int
    proof: list[str]


class PublicKeyOut(BaseModel):
    algorithm: str = "ed25519"
    public_key: str = Field(description="base64 of the raw 32-byte Ed25519 public key")


@router.get(
    "/checkpoint",
    response_model=CheckpointOut,
    summary="The latest signed checkpoint",
    responses=problem_responses(404),
)
def get_checkpoint(request: Request, _reader: Reader) -> CheckpointOut:
    with runtime_of(request).reads() as session:
        row = service.latest_checkpoint(session)
        if row is None:
            raise NotFound("no checkpoint has been signed yet", field="checkpoint")
        return CheckpointOut(
            tree_size=row.tree_size, root_hash=row.root_hash, timestamp=row.timestamp,
            note=row.note, signature=row.signature,
        )  # fmt: skip


@router.get(
    "/entries/{index}",
    response_model=EntryOut,
    summary="One entry and its leaf hash",
    responses=problem_responses(404),
)
def get_entry(request: Request, reader: Reader, index: Annotated[int, Path(ge=0)]) -> EntryOut:
    with runtime_of(request).reads() as session:
        row, entry = service.get_entry(session, index)
    own = reader.subject_id is not None and entry.get(SUBJECT_KEY) == str(reader.subject_id)
    if not (own or reader.can(Permission.LEDGER_READ_FULL)):
        entry = redacted(entry)
    return EntryOut(index=row.idx, leaf_hash=row.leaf_hash, entry=entry)


@router.get("/proof/inclusion", response_model=InclusionOut, summary="RFC 9162 inclusion proof")
def get_inclusion(
    request: Request,
    _reader: Reader,
    index: Annotated[int, Query(ge=0)],
    size: Annotated[int, Query(ge=1)],
) -> InclusionOut:
    with runtime_of(request).reads() as session:
        leaf, path = service.inclusion_proof(session, index, size)
    return InclusionOut(
        leaf_index=index, tree_size=size, leaf_hash=leaf.hex(), audit_path=[h.hex() for h in path]
    )


@router.get(
    "/proof/consistency", response_model=ConsistencyOut, summary="RFC 9162 consistency proof"
)
def get_consistency(
    request: Request,
    _reader: Reader,
    first: Annotated[int, Query(ge=1)],
    second: Annotated[int, Query(ge=1)],
) -> ConsistencyOut:
    with runtime_of(request).reads() as session:
        proof = service.consistency_proof(session, first, second)
    return ConsistencyOut(first=first, second=second, proof=[h.hex() for h in proof])


@router.get("/public-key", response_model=PublicKeyOut, summary="The node's verification key")
def get_public_key(request: Request, _reader: Reader) -> PublicKeyOut:
    return PublicKeyOut(public_key=runtime_of(request).keys.public_key_b64)
