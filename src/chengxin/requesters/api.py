"""Requester routes for staff (R-3.5): the registry, violations and the violation blacklist."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from chengxin.access.deps import allowed
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.problems import GUARDED, NO_NUL, problem_responses
from chengxin.requesters import service
from chengxin.requesters.models import BlacklistEvent, Requester, RequesterKind
from chengxin.runtime import runtime_of

router = APIRouter(prefix="/api/v1", tags=["requesters"], responses=GUARDED, dependencies=NO_NUL)
Reader = Annotated[Principal, allowed(Permission.REQUESTERS_READ)]
Manager = Annotated[Principal, allowed(Permission.REQUESTERS_MANAGE)]
Code = Annotated[str, Path(max_length=32, description="Requester code, e.g. BANK-BJ-01")]


class RequesterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(max_length=32, description="2–32 capital letters, digits, - or _")
    name: str = Field(max_length=200)
    kind: RequesterKind
    region_code: str = Field(max_length=6, description="Six-digit administrative division code")
    uscc: str | None = Field(default=None, max_length=32, description="统一社会信用代码")


class ViolationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    occurred_on: dt.date = Field(description="The day it happened (not in the future)")
    description: str = Field(max_length=1000)
    document_number: str | None = Field(default=None, max_length=100, description="文书编号")


class BlacklistIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=500)
    document_number: str | None = Field(default=None, max_length=100, description="文书编号")


class RequesterOut(BaseModel):
    code: str
    name: str
    kind: RequesterKind
    region_code: str
    uscc: str | None
    created_at: dt.datetime
    blacklisted: bool = Field(description="On the violation blacklist (违规经营黑名单)")
    blacklisted_at: dt.datetime | None
    blacklist_reason: str | None


class ViolationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    occurred_on: dt.date
    description: str
    document_number: str | None
    recorded_at: dt.datetime
    recorded_by: str


class BlacklistEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    event: BlacklistEvent
    at: dt.datetime
    reason: str
    document_number: str | None
    actor: str


class RequesterDetailOut(RequesterOut):
    violations: list[ViolationOut]
    blacklist_history: list[BlacklistEventOut]


def _out(r: Requester) -> RequesterOut:
    return RequesterOut(
        code=r.code, name=r.name, kind=r.kind, region_code=r.region_code, uscc=r.uscc,
        created_at=r.created_at, blacklisted=r.blacklisted_at is not None,
        blacklisted_at=r.blacklisted_at, blacklist_reason=r.blacklist_reason,
    )  # fmt: skip


def _detail(session: Session, r: Requester) -> RequesterDetailOut:
    return RequesterDetailOut(
        **_out(r).model_dump(),
        violations=[ViolationOut.model_validate(v) for v in service.violations_of(session, r.id)],
        blacklist_history=[
            BlacklistEventOut.model_validate(e) for e in service.blacklist_history(session, r.id)
        ],
    )


@router.get("/requesters", response_model=list[RequesterOut], summary="All requesters")
def list_requesters(request: Request, _principal: Reader) -> list[RequesterOut]:
    with runtime_of(request).reads() as session:
        return [_out(r) for r in service.list_requesters(session)]


@router.get(
    "/requesters/{code}",
    response_model=RequesterDetailOut,
    summary="One requester with its violations and blacklist history",
    responses=problem_responses(described={404: "No requester has this code"}),
)
def get_requester(request: Request, _principal: Reader, code: Code) -> RequesterDetailOut:
    with runtime_of(request).reads() as session:
        return _detail(session, service.get_requester(session, code))


@router.post(
    "/requesters",
    status_code=201,
    response_model=RequesterOut,
    summary="Register a requester",
    responses=problem_responses(409),
)
def post_requester(request: Request, principal: Manager, body: RequesterIn) -> RequesterOut:
    rt = runtime_of(request)
    with rt.sessions() as session, session.begin():
        requester = service.add_requester(
            session, rt.clock(), code=body.code, name=body.name, kind=body.kind,
            region_code=body.region_code, uscc=body.uscc, actor=principal.actor,
        )  # fmt: skip
        return _out(requester)


@router.post(
    "/requesters/{code}/violations",
    status_code=201,
    response_model=ViolationOut,
    summary="Record a violation on a requester's file",
    responses=problem_responses(404),
)
def post_violation(
    request: Request, principal: Manager, code: Code, body: ViolationIn
) -> ViolationOut:
    rt = runtime_of(request)
    with rt.sessions() as session, session.begin():
        violation = service.record_violation(
            session, rt.clock(), code=code, occurred_on=body.occurred_on,
            description=body.description, document_number=body.document_number,
            actor=principal.actor,
        )  # fmt: skip
        return ViolationOut.model_validate(violation)


@router.post(
    "/requesters/{code}/blacklist",
    response_model=RequesterOut,
    summary="Put a requester on the violation blacklist (违规经营黑名单), at once",
    responses=problem_responses(404),
)
def post_blacklist(
    request: Request, principal: Manager, code: Code, body: BlacklistIn
) -> RequesterOut:
    rt = runtime_of(request)
    with rt.sessions() as session, session.begin():
        requester = service.blacklist_requester(
            session, rt.clock(), code=code, reason=body.reason,
            document_number=body.document_number, actor=principal.actor,
        )  # fmt: skip
        return _out(requester)
