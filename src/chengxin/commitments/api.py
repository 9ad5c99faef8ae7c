"""Commitment routes (R-7.2): an accepting department records its commitments and reports on
them (its own only: another's id answers 404); staff read all of them under /staff; the person
reads their own."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from chengxin.access.deps import allowed, own_subject
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.clock import china_today
from chengxin.commitments import service
from chengxin.commitments.models import Commitment
from chengxin.commitments.rules import (
    MAX_DOCUMENT,
    MAX_MATTER,
    MAX_REASON,
    MAX_SUMMARY,
    MAX_TERMS,
    CommitmentKind,
    CommitmentState,
)
from chengxin.commitments.submit import CommitmentContext
from chengxin.commitments.views import MAX_PAGE, CommitmentOut, commitment_view, find_commitments
from chengxin.errors import Forbidden
from chengxin.problems import GUARDED, NO_NUL, problem_responses
from chengxin.runtime import Runtime, runtime_of

router = APIRouter(prefix="/api/v1", tags=["commitments"], responses=GUARDED, dependencies=NO_NUL)
Department = Annotated[Principal, allowed(Permission.OWN_COMMITMENTS_WRITE)]
Staff = Annotated[Principal, allowed(Permission.COMMITMENTS_READ)]
Person = Annotated[Principal, allowed(Permission.OWN_RECORDS_READ)]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CommitmentIn(_In):
    id_number: str = Field(max_length=32, description="The person's citizen ID number")
    name: str = Field(max_length=100, description="The person's name as registered")
    kind: CommitmentKind
    document_number: str = Field(max_length=MAX_DOCUMENT, description="承诺书编号 (unique)")
    matter: str = Field(max_length=MAX_MATTER, description="承诺事项 (public in the record)")
    terms: str = Field(max_length=MAX_TERMS, description="The terms committed to (sealed)")
    made_on: dt.date
    deadline: dt.date = Field(description="The last day to fulfil (inclusive, Beijing)")
    check_id: uuid.UUID | None = Field(default=None, description="The check granting 容缺受理")


class FulfilIn(_In):
    fulfilled_on: dt.date | None = Field(default=None, description="Default: today")


class CancelIn(_In):
    reason: str = Field(max_length=MAX_REASON)


class BreachIn(_In):
    summary: str = Field(max_length=MAX_SUMMARY, description="What was established, and how")


def _ctx(rt: Runtime) -> CommitmentContext:
    return CommitmentContext(rt.keys, rt.catalog, rt.settings.region_code)


def _department(principal: Principal) -> uuid.UUID:
    if principal.requester_id is None:
        raise Forbidden("only a department's key or staff account can do this",
                        field="requester", rule="department")  # fmt: skip
    return principal.requester_id


def _view(rt: Runtime, session: Session, found: Commitment, *, texts: bool) -> CommitmentOut:
    return commitment_view(session, _ctx(rt), found, china_today(rt.clock()), texts=texts)


# --- the accepting department -----------------------------------------------------------------


@router.post("/commitments", status_code=201, response_model=CommitmentOut,
             responses=problem_responses(404, 409),
             summary="Record a commitment (信用承诺) and its COMMITMENT-MADE record")  # fmt: skip
def make(request: Request, principal: Department, body: CommitmentIn) -> CommitmentOut:
    rt = runtime_of(request)
    now = rt.clock()

    def work(session: Session) -> CommitmentOut:
        made = service.make_commitment(
            session, _ctx(rt), now, requester_id=_department(principal), id_number=body.id_number,
            name=body.name, kind=body.kind, document_number=body.document_number,
            matter=body.matter, terms=body.terms, made_on=body.made_on, deadline=body.deadline,
            check_id=body.check_id, actor=principal.actor,
        )  # fmt: skip
        return _view(rt, session, made, texts=True)

    return service.retrying(rt.sessions, work)


@router.get("/commitments", response_model=list[CommitmentOut], summary="My department's")
def department_list(
    *,
    request: Request,
    principal: Department,
    state: CommitmentState | None = None,
    overdue: bool = False,
    limit: Limit = 200,
    offset: Offset = 0,
) -> list[CommitmentOut]:
    rt = runtime_of(request)
    with rt.reads() as session:
        found = find_commitments(
            session, today=china_today(rt.clock()), requester_id=_department(principal),
            state=state, only_overdue=overdue, limit=limit, offset=offset,
        )  # fmt: skip
        return [_view(rt, session, c, texts=True) for c in found]


@router.get(
    "/commitments/{commitment_id}",
    response_model=CommitmentOut,
    summary="One of mine",
    responses=problem_responses(404),
)
def department_one(
    request: Request, principal: Department, commitment_id: uuid.UUID
) -> CommitmentOut:
    rt = runtime_of(request)
    with rt.reads() as session:
        found = service.get_commitment(session, commitment_id,
                                       requester_id=_department(principal))  # fmt: skip
        return _view(rt, session, found, texts=True)


@router.post("/commitments/{commitment_id}/fulfil", response_model=CommitmentOut,
             responses=problem_responses(404, 409),
             summary="Kept on or before its deadline: the record says fulfilled")  # fmt: skip
def fulfil(
    request: Request, principal: Department, commitment_id: uuid.UUID, body: FulfilIn
) -> CommitmentOut:
    rt = runtime_of(request)
    with rt.sessions() as session, session.begin():
        done = service.fulfil(
            session, _ctx(rt), rt.clock(), commitment_id=commitment_id,
            requester_id=_department(principal), fulfilled_on=body.fulfilled_on,
            actor=principal.actor,
        )  # fmt: skip
        return _view(rt, session, done, texts=True)


@router.post("/commitments/{commitment_id}/cancel", response_model=CommitmentOut,
             responses=problem_responses(404, 409),
             summary="Withdraw a pending commitment: its record is revoked")  # fmt: skip
def cancel(
    request: Request, principal: Department, commitment_id: uuid.UUID, body: CancelIn
) -> CommitmentOut:
    rt = runtime_of(request)
    with rt.sessions() as session, session.begin():
        done = service.cancel(
            session, _ctx(rt), rt.clock(), commitment_id=commitment_id,
            requester_id=_department(principal), reason=body.reason, actor=principal.actor,
        )  # fmt: skip
        return _view(rt, session, done, texts=True)


@router.post("/commitments/{commitment_id}/breach", response_model=CommitmentOut,
             responses=problem_responses(404, 409),
             summary="Establish a breach: a COMMITMENT-BREACH record is made")  # fmt: skip
def breach(
    request: Request, principal: Department, commitment_id: uuid.UUID, body: BreachIn
) -> CommitmentOut:
    rt = runtime_of(request)
    with rt.sessions() as session, session.begin():
        done = service.report_breach(
            session, _ctx(rt), rt.clock(), commitment_id=commitment_id,
            requester_id=_department(principal), summary=body.summary, actor=principal.actor,
        )  # fmt: skip
        return _view(rt, session, done, texts=True)


# --- staff (supervision) ----------------------------------------------------------------------


@router.get("/staff/commitments", response_model=list[CommitmentOut],
            summary="Every department's commitments (no texts, no identities)")  # fmt: skip
def staff_list(
    *,
    request: Request,
    _staff: Staff,
    state: CommitmentState | None = None,
    overdue: bool = False,
    limit: Limit = 200,
    offset: Offset = 0,
) -> list[CommitmentOut]:
    rt = runtime_of(request)
    with rt.reads() as session:
        found = find_commitments(session, today=china_today(rt.clock()), state=state,
                                 only_overdue=overdue, limit=limit, offset=offset)  # fmt: skip
        return [_view(rt, session, c, texts=False) for c in found]


@router.get("/staff/commitments/{commitment_id}", response_model=CommitmentOut,
            responses=problem_responses(404),
            summary="One commitment (no texts, no identities)")  # fmt: skip
def staff_one(request: Request, _staff: Staff, commitment_id: uuid.UUID) -> CommitmentOut:
    rt = runtime_of(request)
    with rt.reads() as session:
        found = service.get_commitment(session, commitment_id)
        return _view(rt, session, found, texts=False)


# --- the person -------------------------------------------------------------------------------


@router.get("/me/commitments", response_model=list[CommitmentOut], summary="My commitments")
def mine(request: Request, principal: Person) -> list[CommitmentOut]:
    rt = runtime_of(request)
    subject_id = own_subject(principal, "commitments")
    with rt.reads() as session:
        found = find_commitments(session, today=china_today(rt.clock()), subject_id=subject_id,
                                 limit=MAX_PAGE)  # fmt: skip
        return [_view(rt, session, c, texts=True) for c in found]
