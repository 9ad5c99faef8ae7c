"""Routes of the one door: query a person, a citizen's self-query, the register for operators,
and "who looked at me" for citizens with inclusion proofs (R-3.2, R-3.7)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from chengxin.access.deps import allowed
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.exchange import crossfetch
from chengxin.ledger import service as ledger
from chengxin.problems import GUARDED, NO_NUL
from chengxin.queries import register, service
from chengxin.queries.models import QueryEntry
from chengxin.queries.rules import Outcome
from chengxin.queries.service import PersonReport
from chengxin.queries.thresholds import Thresholds
from chengxin.runtime import runtime_of

router = APIRouter(prefix="/api/v1", tags=["queries"], responses=GUARDED, dependencies=NO_NUL)
MAX_OFFSET = 2**63 - 1  # SQL's BIGINT: a larger OFFSET is not a number the database takes


class QueryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id_number: str = Field(max_length=32, description="The person's citizen ID number")
    purpose: str = Field(max_length=32, description="A purpose code (GET /api/v1/purposes)")
    consent_id: uuid.UUID | None = Field(default=None, description="Requesters: the consent")
    legal_basis: str | None = Field(
        default=None, max_length=200, description="Departments: the statute they act on"
    )


class RegisterOut(BaseModel):
    id: uuid.UUID
    at: dt.datetime
    actor: str
    role: str
    requester: str | None
    subject_id: uuid.UUID | None
    purpose: str | None
    consent_id: uuid.UUID | None
    legal_basis: str | None
    items: list[str]
    record_count: int
    outcome: Outcome
    refusal: str | None
    flags: list[str]
    ledger_index: int


class InclusionOut(BaseModel):
    leaf_index: int
    tree_size: int
    leaf_hash: str
    audit_path: list[str]


class MyQueryOut(BaseModel):
    id: uuid.UUID
    at: dt.datetime
    who: str = Field(description="The requester's name, or the caller's role")
    purpose: str | None
    items: list[str]
    outcome: Outcome
    ledger_index: int
    proof: InclusionOut | None = Field(
        description="Inclusion in the latest checkpoint; null until the next checkpoint"
    )


def _split(text: str) -> list[str]:
    return [part for part in text.split(",") if part]


@router.post("/queries", response_model=PersonReport, summary="Query a person's records")
def post_query(
    request: Request,
    principal: Annotated[Principal, allowed(Permission.PERSON_RECORDS_QUERY)],
    body: QueryIn,
) -> PersonReport:
    rt = runtime_of(request)
    return service.query_person(
        rt.sessions, rt.keys, rt.catalog, rt.clock(), principal=principal, purpose=body.purpose,
        id_number=body.id_number, consent_id=body.consent_id, legal_basis=body.legal_basis,
        thresholds=Thresholds.of(rt.settings), cross_region=crossfetch.asker(rt),
    )  # fmt: skip


@router.get("/me/records", response_model=PersonReport, summary="My records (self-query)")
def my_records(
    request: Request, principal: Annotated[Principal, allowed(Permission.OWN_RECORDS_READ)]
) -> PersonReport:
    rt = runtime_of(request)
    return service.query_person(
        rt.sessions, rt.keys, rt.catalog, rt.clock(), principal=principal,
        purpose="self_query", thresholds=Thresholds.of(rt.settings),
        cross_region=crossfetch.asker(rt),
    )  # fmt: skip


def _register_out(row: QueryEntry, requester: str | None) -> RegisterOut:
    return RegisterOut(
        id=row.id, at=row.at, actor=row.actor, role=row.role, requester=requester,
        subject_id=row.subject_id, purpose=row.purpose, consent_id=row.consent_id,
        legal_basis=row.legal_basis, items=_split(row.items), record_count=row.record_count,
        outcome=row.outcome, refusal=row.refusal, flags=_split(row.flags),
        ledger_index=row.ledger_index,
    )  # fmt: skip


@router.get("/queries", response_model=list[RegisterOut], summary="The query register (审查)")
def get_register(
    *,
    request: Request,
    _principal: Annotated[Principal, allowed(Permission.REGISTER_READ)],
    requester: Annotated[str | None, Query(max_length=32)] = None,
    outcome: Outcome | None = None,
    flagged: bool = False,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> list[RegisterOut]:
    rt = runtime_of(request)
    with rt.reads() as session:
        rows = register.list_register(
            session, requester_code=requester, outcome=outcome, flagged=flagged, since=since,
            until=until, limit=limit, offset=offset,
        )  # fmt: skip
        return [_register_out(row, code) for row, code in rows]


@router.get("/me/queries", response_model=list[MyQueryOut], summary="Who looked at my data")
def my_queries(
    request: Request, principal: Annotated[Principal, allowed(Permission.OWN_QUERIES_READ)]
) -> list[MyQueryOut]:
    rt = runtime_of(request)
    out: list[MyQueryOut] = []
    if principal.subject_id is None:
        return out
    with rt.reads() as session:
        checkpoint = ledger.latest_checkpoint(session)
        for row, name in register.queries_about(session, principal.subject_id):
            proof: dict[str, Any] | None = None
            if checkpoint is not None and row.ledger_index < checkpoint.tree_size:
                leaf, path = ledger.inclusion_proof(session, row.ledger_index, checkpoint.tree_size)
                proof = {
                    "leaf_index": row.ledger_index, "tree_size": checkpoint.tree_size,
                    "leaf_hash": leaf.hex(), "audit_path": [h.hex() for h in path],
                }  # fmt: skip
            out.append(
                MyQueryOut(
                    id=row.id,
                    at=row.at,
                    who=name or row.role,
                    purpose=row.purpose,
                    items=_split(row.items),
                    outcome=row.outcome,
                    ledger_index=row.ledger_index,
                    proof=InclusionOut(**proof) if proof else None,
                )
            )
    return out
