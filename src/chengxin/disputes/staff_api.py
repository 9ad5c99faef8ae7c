"""Dispute routes of the platform's staff (accept, reject, forward, enter review outcomes, the
queue by deadline) and of sources (answer objections, decide repairs: 谁认定、谁修复)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from chengxin.access.deps import allowed, source_of
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.clock import china_today
from chengxin.disputes import api as disputes_api
from chengxin.disputes import objections, repairs
from chengxin.disputes.attachments import read_files
from chengxin.disputes.deadlines import case_queue
from chengxin.disputes.models import CaseKind, Objection, RepairCase
from chengxin.disputes.rules import ObjectionEvent
from chengxin.disputes.views import CaseOut, case_view, find_case
from chengxin.errors import InvalidInput, NotFound
from chengxin.identity.service import find_person
from chengxin.problems import GUARDED, NO_NUL, problem_responses
from chengxin.runtime import Runtime, runtime_of

router = APIRouter(prefix="/api/v1", tags=["disputes"], responses=GUARDED, dependencies=NO_NUL)
Staff = Annotated[Principal, allowed(Permission.DISPUTES_MANAGE)]
Reader = Annotated[Principal, allowed(Permission.DISPUTES_READ)]
Source = Annotated[Principal, allowed(Permission.SOURCE_DISPUTES_WRITE)]


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=2000)


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: Literal["correct", "revoke", "uphold"]
    reason: str = Field(max_length=2000)
    fields: dict[str, Any] | None = Field(
        default=None, max_length=200, description="correct: the record's corrected fields"
    )


class ReviewIn(AnswerIn):
    answer: Literal["reopen", "correct", "revoke", "uphold"]  # type: ignore[assignment]
    document_number: str = Field(max_length=100, description="复议决定书 / 判决书 number")


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "reject"]
    reason: str = Field(max_length=2000)
    legal_bar: bool = Field(default=False, description="Another law bars repair")


def _view(rt: Runtime, session: Any, case: Objection | RepairCase) -> CaseOut:
    return case_view(session, rt.keys, case, china_today(rt.clock()))


@router.get("/disputes", response_model=list[CaseOut], summary="Open cases, overdue first")
def queue(
    request: Request,
    _staff: Reader,
    kind: CaseKind | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[CaseOut]:
    rt = runtime_of(request)
    today = china_today(rt.clock())
    with rt.reads() as session:
        rows = case_queue(session, today, kind=kind, limit=limit)
        return [_view(rt, session, find_case(session, r.kind, r.id)) for r in rows]


@router.get("/source/disputes", response_model=list[CaseOut], summary="Cases awaiting my source")
def source_queue(request: Request, principal: Source) -> list[CaseOut]:
    rt = runtime_of(request)
    today = china_today(rt.clock())
    with rt.reads() as session:
        rows = case_queue(session, today, source_id=source_of(principal))
        return [_view(rt, session, find_case(session, r.kind, r.id)) for r in rows]


@router.post(
    "/objections/{case_id}/accept",
    response_model=CaseOut,
    summary="Accept a filing",
    responses=problem_responses(404, 409),
)
def accept(request: Request, staff: Staff, case_id: uuid.UUID, body: ReasonIn) -> CaseOut:
    rt = runtime_of(request)
    with rt.sessions() as session, session.begin():
        case = objections.accept_objection(session, rt.disputes, rt.clock(), case_id=case_id,
                                           actor=staff.actor, reason=body.reason)  # fmt: skip
        return _view(rt, session, case)


@router.post(
    "/objections/{case_id}/reject",
    response_model=CaseOut,
    summary="Reject a filing",
    responses=problem_responses(404, 409),
)
def reject(request: Request, staff: Staff, case_id: uuid.UUID, body: ReasonIn) -> CaseOut:
    rt = runtime_of(request)
    with rt.sessions() as session, session.begin():
        case = objections.reject_objection(session, rt.disputes, rt.clock(), case_id=case_id,
                                           actor=staff.actor, reason=body.reason)  # fmt: skip
        return _view(rt, session, case)


@router.post(
    "/objections/{case_id}/answer",
    response_model=CaseOut,
    summary="Source's answer",
    responses=problem_responses(404, 409),
)
def answer(request: Request, principal: Source, case_id: uuid.UUID, body: AnswerIn) -> CaseOut:
    rt = runtime_of(request)
    with rt.sessions() as session, session.begin():
        case = objections.answer_objection(
            session, rt.disputes, rt.clock(), case_id=case_id, source_id=source_of(principal),
            answer=ObjectionEvent(body.answer), reason=body.reason, fields=body.fields,
            actor=principal.actor,
        )  # fmt: skip
        return _view(rt, session, case)


@router.post(
    "/objections/{case_id}/review-outcome", response_model=CaseOut,
    summary="Enter a reconsideration or court outcome", responses=problem_responses(404, 409),
)  # fmt: skip
def review(request: Request, staff: Staff, case_id: uuid.UUID, body: ReviewIn) -> CaseOut:
    rt = runtime_of(request)
    with rt.sessions() as session, session.begin():
        case = objections.enter_review_outcome(
            session, rt.disputes, rt.clock(), case_id=case_id,
            outcome=ObjectionEvent(body.answer), document_number=body.document_number,
            reason=body.reason, fields=body.fields, actor=staff.actor,
        )  # fmt: skip
        return _view(rt, session, case)


@router.post(
    "/repairs/{case_id}/forward",
    response_model=CaseOut,
    summary="Forward to source",
    responses=problem_responses(404, 409),
)
def forward(request: Request, staff: Staff, case_id: uuid.UUID) -> CaseOut:
    rt = runtime_of(request)
    with rt.sessions() as session, session.begin():
        case = repairs.forward_repair(session, rt.disputes, rt.clock(), case_id=case_id,
                                      actor=staff.actor)  # fmt: skip
        return _view(rt, session, case)


@router.post(
    "/repairs/{case_id}/reject",
    response_model=CaseOut,
    summary="Platform rejects",
    responses=problem_responses(404, 409),
)
def reject_repair(request: Request, staff: Staff, case_id: uuid.UUID, body: ReasonIn) -> CaseOut:
    rt = runtime_of(request)
    with rt.sessions() as session, session.begin():
        case = repairs.reject_repair(session, rt.disputes, rt.clock(), case_id=case_id,
                                     reason=body.reason, actor=staff.actor)  # fmt: skip
        return _view(rt, session, case)


@router.post(
    "/repairs/{case_id}/decide",
    response_model=CaseOut,
    summary="Source decides",
    responses=problem_responses(404, 409),
)
def decide(request: Request, principal: Source, case_id: uuid.UUID, body: DecisionIn) -> CaseOut:
    rt = runtime_of(request)
    source_id = source_of(principal)
    with rt.sessions() as session, session.begin():
        if body.decision == "approve":
            case = repairs.approve_repair(
                session, rt.disputes, rt.clock(), case_id=case_id, source_id=source_id,
                reason=body.reason, legal_bar=body.legal_bar, actor=principal.actor,
            )  # fmt: skip
        else:
            case = repairs.reject_repair(
                session, rt.disputes, rt.clock(), case_id=case_id, reason=body.reason,
                actor=principal.actor, source_id=source_id,
            )  # fmt: skip
        return _view(rt, session, case)


class NoticeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source_record_id: str = Field(max_length=100, description="Your own id of the record")
    item: str = Field(max_length=64, description="The record's catalog item")


class NoticeOut(BaseModel):
    repairable_from: dt.date | None = Field(
        description="First day an application can succeed; null: once the duty is performed"
    )


@router.post(
    "/source/repair-notices", response_model=NoticeOut, responses=problem_responses(404),
    summary="Send the repair notice with the decision (两书同达)",
)  # fmt: skip
def post_repair_notice(request: Request, principal: Source, body: NoticeIn) -> NoticeOut:
    rt = runtime_of(request)
    with rt.sessions() as session, session.begin():
        first_day = repairs.repair_notice(
            session, rt.disputes, rt.clock(), source_id=source_of(principal),
            source_record_id=body.source_record_id, item=body.item, actor=principal.actor,
        )  # fmt: skip
    return NoticeOut(repairable_from=first_day)


@router.post(
    "/objections", status_code=201, response_model=CaseOut,
    responses=problem_responses(404, 409),
    summary="File an objection for a person through their authorised agent (代理人)",
)  # fmt: skip
def post_agent_objection(  # noqa: PLR0917  (form fields are parameters)
    request: Request,
    staff: Staff,
    id_number: Annotated[str, Form(max_length=32, description="The person's ID number")],
    record_id: Annotated[uuid.UUID, Form()],
    agent: Annotated[str, Form(max_length=64, description="The agent's name")],
    reason: Annotated[str, Form(max_length=2000)],
    files: disputes_api.Files,
) -> CaseOut:
    """At the counter: the agent brings the written authorisation (授权委托书), which must be among
    the files; the case is the person's, and they are told at each step as usual."""
    rt = runtime_of(request)
    now = rt.clock()
    evidence = read_files(files)
    if not evidence:
        raise InvalidInput("the written authorisation (授权委托书) must be attached",
                           field="files", rule="authorisation")  # fmt: skip
    name = agent.strip()
    if not name:
        raise InvalidInput("is required", field="agent", rule="required")
    with rt.sessions() as session, session.begin():
        subject_id = find_person(session, rt.keys, id_number, china_today(now))
        if subject_id is None:
            raise NotFound("no person with this ID number is registered", field="id_number")
        case = objections.file_objection(
            session, rt.disputes, now, subject_id=subject_id, record_id=record_id,
            reason=f"代理人 agent {name}：{reason}", files=evidence,
            actor=f"agent via {staff.actor}",
        )  # fmt: skip
        return _view(rt, session, case)
