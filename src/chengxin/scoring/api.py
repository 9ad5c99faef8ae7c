"""A citizen's integrity score (R-5.4): opt in, opt out, see the score with its explanation, and
what a repair would change. Only for the person themself; the score is informational."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from chengxin.access.deps import allowed
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.errors import Forbidden
from chengxin.problems import GUARDED, NO_NUL, problem, problem_responses
from chengxin.runtime import runtime_of
from chengxin.scoring import service
from chengxin.scoring.models import Score
from chengxin.scoring.rules import Breakdown
from chengxin.scoring.views import NOTICE, breakdown_dict, line_dict

router = APIRouter(
    prefix="/api/v1/me/score", tags=["score"], responses=GUARDED, dependencies=NO_NUL
)
Person = Annotated[Principal, allowed(Permission.OWN_SCORE)]
NOT_OPTED_IN = problem_responses(
    described={404: 'Not opted in: `{"opted_in": false, …}` (problem+json)'}
)


class GradeOut(BaseModel):
    code: str
    zh: str
    en: str
    min: int


class ModelRefOut(BaseModel):
    code: str
    version: int


class LineOut(BaseModel):
    record_id: uuid.UUID
    item_code: str
    category: str
    rule: str
    status: str
    decision_date: dt.date
    raw: int = Field(description="The rule's points for the record")
    counted: int = Field(description="After the rule's per-record cap")
    months: int = Field(description="Whole months since the decision date")
    decay: str = Field(description="Share left after those months, as a fraction")
    status_percent: int = Field(description="Share the record's status keeps")
    points: int = Field(description="counted × decay × status share, toward zero")
    cut: int = Field(description="Taken by caps on sums (rule, category, bounds)")
    caps: list[str]
    final: int = Field(description="points + cut; base + Σ final = total")


class ScoreOut(BaseModel):
    opted_in: bool = True
    model: ModelRefOut
    as_of: dt.date
    computed_at: dt.datetime
    total: int
    grade: GradeOut
    base: int
    lines: list[LineOut]
    rule_totals: dict[str, int]
    category_totals: dict[str, int]
    bounds: int
    notice: dict[str, str] = Field(description="Informational only (PIPL art. 24)")


class OptOutOut(BaseModel):
    opted_in: bool = False
    deleted: bool = Field(description="A score and its opt-in were deleted")


class ScoreRefOut(BaseModel):
    total: int
    grade: str


class WhatIfOut(BaseModel):
    repair: uuid.UUID
    before: ScoreRefOut
    after: ScoreRefOut
    change: int
    lines_after: list[LineOut]
    notice: dict[str, str]


def _subject(principal: Principal) -> uuid.UUID:
    if principal.subject_id is None:
        raise Forbidden("only a person's own account can do this", field="role", rule="citizen")
    return principal.subject_id


def _out(score: Score, breakdown: Breakdown) -> ScoreOut:
    body: dict[str, Any] = breakdown_dict(breakdown)
    return ScoreOut.model_validate(
        {**body, "computed_at": score.computed_at, "notice": NOTICE, "opted_in": True}
    )


def _not_opted_in(request: Request, exc: service.NotOptedIn) -> JSONResponse:
    return problem(404, exc.title, exc.type_slug, str(exc), request, field=exc.field,
                   rule=exc.rule, opted_in=False)  # fmt: skip


@router.post("/opt-in", response_model=ScoreOut, summary="Opt in to the integrity score")
def post_opt_in(request: Request, principal: Person) -> ScoreOut:
    """Authorise the score (PIPL art. 24); it is computed at once. Opting in again is harmless."""
    rt = runtime_of(request)
    now = rt.clock()
    model = service.model_for(rt, now)
    subject = _subject(principal)
    with rt.sessions() as session, session.begin():
        service.opt_in(session, now, subject_id=subject, model=model, actor=principal.actor)
        score, breakdown = service.current_score(session, model, now, subject)
        return _out(score, breakdown)


@router.post("/opt-out", response_model=OptOutOut, summary="Opt out; the score is deleted")
def post_opt_out(request: Request, principal: Person) -> OptOutOut:
    rt = runtime_of(request)
    with rt.sessions() as session, session.begin():
        deleted = service.opt_out(
            session, rt.clock(), subject_id=_subject(principal), actor=principal.actor
        )
    return OptOutOut(deleted=deleted)


@router.get("", response_model=ScoreOut, responses=NOT_OPTED_IN, summary="My score, explained")
def get_score(request: Request, principal: Person) -> ScoreOut | JSONResponse:
    """The score as of now, line by line: every point names its record."""
    rt = runtime_of(request)
    now = rt.clock()
    model = service.model_for(rt, now)
    try:
        with rt.sessions() as session, session.begin():
            score, breakdown = service.current_score(session, model, now, _subject(principal))
            return _out(score, breakdown)
    except service.NotOptedIn as exc:
        return _not_opted_in(request, exc)


@router.get("/what-if", response_model=WhatIfOut, responses=NOT_OPTED_IN,
            summary="What a repair of one record would change")  # fmt: skip
def get_what_if(
    request: Request,
    principal: Person,
    repair: Annotated[uuid.UUID, Query(description="Id of an active bad or serious record")],
) -> WhatIfOut | JSONResponse:
    rt = runtime_of(request)
    now = rt.clock()
    model = service.model_for(rt, now)
    try:
        with rt.reads() as session:
            what = service.what_if(
                session, model, now, subject_id=_subject(principal), record_id=repair
            )
    except service.NotOptedIn as exc:
        return _not_opted_in(request, exc)
    return WhatIfOut(
        repair=what.record_id,
        before=ScoreRefOut(total=what.before.total, grade=what.before.grade.code),
        after=ScoreRefOut(total=what.after.total, grade=what.after.grade.code),
        change=what.change,
        lines_after=[LineOut.model_validate(line_dict(x)) for x in what.after.lines],
        notice=NOTICE,
    )
