"""Citizens' dispute routes: object to a record, apply for credit repair, explain a record, follow
and withdraw their cases (R-4.1, R-4.3)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from chengxin.access.deps import allowed, own_subject
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.clock import china_today
from chengxin.disputes import objections, repairs
from chengxin.disputes.attachments import MAX_BYTES, MAX_FILES, read_files
from chengxin.disputes.cases import cases_of
from chengxin.disputes.views import CaseOut, case_view
from chengxin.problems import GUARDED, NO_NUL, problem_responses
from chengxin.runtime import runtime_of

router = APIRouter(prefix="/api/v1/me", tags=["disputes"], responses=GUARDED, dependencies=NO_NUL)
Person = Annotated[Principal, allowed(Permission.OWN_DISPUTES_WRITE)]
Files = Annotated[list[UploadFile], File(description="PDF, JPEG or PNG; at most 5 of 5 MiB")]
UPLOAD_PATHS = ("/api/v1/me/objections", "/api/v1/me/repairs", "/api/v1/objections")
UPLOAD_LIMIT = MAX_FILES * MAX_BYTES + 1024 * 1024  # the files and the form's framing


class ExplanationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=2000, description="Shown with the record (自主解释)")


class ExplanationOut(BaseModel):
    record_id: uuid.UUID
    text: str


def _person(principal: Principal) -> uuid.UUID:
    return own_subject(principal, "objections, repairs and explanations")


@router.post(
    "/objections",
    status_code=201,
    response_model=CaseOut,
    summary="Object to a record",
    responses=problem_responses(404, 409),
)
def post_objection(
    *,
    request: Request,
    principal: Person,
    record_id: Annotated[uuid.UUID, Form()],
    reason: Annotated[str, Form(max_length=2000)],
    files: Files = [],  # noqa: B006  (FastAPI copies the default)
) -> CaseOut:
    rt, now = runtime_of(request), runtime_of(request).clock()
    evidence = read_files(files)
    with rt.sessions() as session, session.begin():
        case = objections.file_objection(
            session, rt.disputes, now, subject_id=_person(principal), record_id=record_id,
            reason=reason, files=evidence, actor=principal.actor,
        )  # fmt: skip
        return case_view(session, rt.keys, case, china_today(now))


@router.post(
    "/repairs",
    status_code=201,
    response_model=CaseOut,
    summary="Apply for repair",
    responses=problem_responses(404, 409),
)
def post_repair(  # noqa: PLR0917  (form fields are parameters)
    request: Request,
    principal: Person,
    record_id: Annotated[uuid.UUID, Form()],
    evidence: Annotated[str, Form(max_length=200, description="Comma-separated actions")],
    statement: Annotated[str, Form(max_length=2000)],
    commitment: Annotated[str, Form(max_length=2000, description="The credit commitment")],
    files: Files = [],  # noqa: B006
) -> CaseOut:
    rt, now = runtime_of(request), runtime_of(request).clock()
    proof = read_files(files)
    with rt.sessions() as session, session.begin():
        case = repairs.apply_repair(
            session, rt.disputes, now, subject_id=_person(principal), record_id=record_id,
            evidence=[e.strip() for e in evidence.split(",") if e.strip()],
            statement=statement, commitment=commitment, files=proof, actor=principal.actor,
        )  # fmt: skip
        return case_view(session, rt.keys, case, china_today(now))


@router.get("/disputes", response_model=list[CaseOut], summary="My objections and repairs")
def my_cases(request: Request, principal: Person) -> list[CaseOut]:
    rt = runtime_of(request)
    today = china_today(rt.clock())
    with rt.reads() as session:
        found = cases_of(session, _person(principal))
        return [case_view(session, rt.keys, case, today) for case in found]


@router.post(
    "/objections/{case_id}/withdraw",
    response_model=CaseOut,
    summary="Withdraw",
    responses=problem_responses(404, 409),
)
def withdraw_objection(request: Request, principal: Person, case_id: uuid.UUID) -> CaseOut:
    rt, now = runtime_of(request), runtime_of(request).clock()
    with rt.sessions() as session, session.begin():
        case = objections.withdraw_objection(
            session, rt.disputes, now, case_id=case_id, subject_id=_person(principal),
            actor=principal.actor,
        )  # fmt: skip
        return case_view(session, rt.keys, case, china_today(now))


@router.post(
    "/repairs/{case_id}/withdraw",
    response_model=CaseOut,
    summary="Withdraw",
    responses=problem_responses(404, 409),
)
def withdraw_repair(request: Request, principal: Person, case_id: uuid.UUID) -> CaseOut:
    rt, now = runtime_of(request), runtime_of(request).clock()
    with rt.sessions() as session, session.begin():
        case = repairs.withdraw_repair(
            session, rt.disputes, now, case_id=case_id, subject_id=_person(principal),
            actor=principal.actor,
        )  # fmt: skip
        return case_view(session, rt.keys, case, china_today(now))


@router.post(
    "/records/{record_id}/explanation",
    response_model=ExplanationOut,
    summary="Explain a record",
    responses=problem_responses(404),
)
def explain(
    request: Request, principal: Person, record_id: uuid.UUID, body: ExplanationIn
) -> ExplanationOut:
    rt = runtime_of(request)
    with rt.sessions() as session, session.begin():
        repairs.explain_record(
            session, rt.keys, rt.clock(), subject_id=_person(principal), record_id=record_id,
            text=body.text,
        )  # fmt: skip
    return ExplanationOut(record_id=record_id, text=body.text.strip())
