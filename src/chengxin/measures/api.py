"""Check routes for implementing departments (R-6.4): check a person, read a check, report
feedback, and the figures per measure; staff read every department's figures."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from chengxin.access.deps import allowed
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.lists.types import shipped_types
from chengxin.measures import statistics
from chengxin.measures.checks import run_check
from chengxin.measures.feedback import FeedbackItem, give_feedback, own_check
from chengxin.measures.models import Check, CheckFeedback, CheckResult
from chengxin.measures.views import CheckOut, answer_out, stored_out
from chengxin.problems import GUARDED, NO_NUL, problem_responses
from chengxin.queries.thresholds import Thresholds
from chengxin.runtime import Runtime, runtime_of
from chengxin.sealed import unseal

router = APIRouter(prefix="/api/v1", tags=["measures"], responses=GUARDED, dependencies=NO_NUL)
Department = Annotated[Principal, allowed(Permission.PERSON_MEASURES_CHECK)]
Staff = Annotated[Principal, allowed(Permission.MEASURES_STATS)]


class CheckIn(BaseModel):
    """A person (ID number, or the subject id of an earlier answer), the scenario, the basis."""

    model_config = ConfigDict(extra="forbid")

    id_number: str | None = Field(default=None, max_length=32)
    subject_id: uuid.UUID | None = None
    scenario: str = Field(max_length=40, description="See GET /api/v1/scenarios")
    legal_basis: str = Field(max_length=200, description="The department's statutory basis")


class FeedbackItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(max_length=64)
    outcome: Literal["applied", "skipped", "overridden"]
    reason: str | None = Field(default=None, max_length=500)
    document_number: str | None = Field(default=None, max_length=100)


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    measures: list[FeedbackItemIn] = Field(max_length=100)


class CheckSummaryOut(BaseModel):
    check_id: uuid.UUID
    at: dt.datetime
    scenario: str
    subject_id: uuid.UUID | None
    measures: int
    feedback: int


class FiguresOut(BaseModel):
    measure: str
    department: str
    returned: int
    applied: int
    skipped: int
    overridden: int
    awaiting: int


def _stored(rt: Runtime, principal: Principal, check_id: uuid.UUID) -> CheckOut:
    with rt.reads() as session:
        check = own_check(session, principal, check_id)
        results = list(session.scalars(
            select(CheckResult).where(CheckResult.check_id == check.id)
            .order_by(CheckResult.measure_code)
        ))  # fmt: skip
        rows = session.scalars(
            select(CheckFeedback).where(CheckFeedback.check_id == check.id)
            .order_by(CheckFeedback.measure_code)
        )  # fmt: skip
        feedback = [
            (f, unseal(rt.keys, "check_feedback", "reason_enc", f.id, f.reason_enc)
             if f.reason_enc else None)
            for f in rows
        ]  # fmt: skip
        return stored_out(check, results, feedback, measures=rt.measures, catalog=rt.catalog,
                          lists=shipped_types())  # fmt: skip


def _figures(rows: list[statistics.MeasureFigures]) -> list[FiguresOut]:
    return [FiguresOut(measure=r.measure, department=r.department, returned=r.returned,
                       applied=r.applied, skipped=r.skipped, overridden=r.overridden,
                       awaiting=r.awaiting) for r in rows]  # fmt: skip


@router.post("/checks", status_code=201, response_model=CheckOut,
             summary="Which measures apply to a person in a scenario, and why")  # fmt: skip
def post_check(request: Request, principal: Department, body: CheckIn) -> CheckOut:
    rt = runtime_of(request)
    answer = run_check(
        rt.sessions, rt.keys, rt.catalog, rt.measures, rt.clock(), principal=principal,
        scenario=body.scenario, legal_basis=body.legal_basis, id_number=body.id_number,
        subject_id=body.subject_id, thresholds=Thresholds.of(rt.settings),
    )  # fmt: skip
    return answer_out(answer, rt.catalog, shipped_types())


@router.get("/checks", response_model=list[CheckSummaryOut], summary="My department's checks")
def list_checks(
    request: Request, principal: Department, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[CheckSummaryOut]:
    with runtime_of(request).reads() as session:
        checks = list(session.scalars(
            select(Check).where(Check.requester_id == principal.requester_id)
            .order_by(Check.at.desc(), Check.id).limit(limit)
        ))  # fmt: skip
        given = dict(session.execute(
            select(CheckFeedback.check_id, func.count())
            .where(CheckFeedback.check_id.in_([c.id for c in checks]))
            .group_by(CheckFeedback.check_id)
        ).all())  # fmt: skip
    return [CheckSummaryOut(check_id=c.id, at=c.at, scenario=c.scenario, subject_id=c.subject_id,
                            measures=c.measures, feedback=given.get(c.id, 0))
            for c in checks]  # fmt: skip


@router.get("/checks/statistics", response_model=list[FiguresOut],
            summary="My department's figures per measure")  # fmt: skip
def my_figures(
    request: Request, principal: Department, since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[FiguresOut]:  # fmt: skip
    with runtime_of(request).reads() as session:
        return _figures(statistics.figures(
            session, requester_id=principal.requester_id, since=since, until=until))  # fmt: skip


@router.get(
    "/checks/{check_id}",
    response_model=CheckOut,
    summary="One of my checks",
    responses=problem_responses(404),
)
def get_check(request: Request, principal: Department, check_id: uuid.UUID) -> CheckOut:
    return _stored(runtime_of(request), principal, check_id)


@router.post("/checks/{check_id}/feedback", response_model=CheckOut,
             responses=problem_responses(404, 409),
             summary="Report which measures were applied, skipped or overridden")  # fmt: skip
def post_feedback(
    request: Request, principal: Department, check_id: uuid.UUID, body: FeedbackIn
) -> CheckOut:
    rt = runtime_of(request)
    items = [FeedbackItem(i.code, i.outcome, i.reason, i.document_number) for i in body.measures]
    with rt.sessions() as session, session.begin():
        give_feedback(session, rt.keys, rt.clock(), principal=principal, check_id=check_id,
                      items=items)  # fmt: skip
    return _stored(rt, principal, check_id)


@router.get("/staff/checks/statistics", response_model=list[FiguresOut],
            summary="Every department's figures per measure (supervision, R-7.3)")  # fmt: skip
def all_figures(
    request: Request, principal: Staff, since: dt.date | None = None,
    until: dt.date | None = None, department: str | None = Query(default=None, max_length=64),
) -> list[FiguresOut]:  # fmt: skip
    del principal  # the permission is the whole check
    with runtime_of(request).reads() as session:
        rows = statistics.figures(session, since=since, until=until)
    return _figures([r for r in rows if department is None or r.department == department])
