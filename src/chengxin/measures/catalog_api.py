"""The published list of measures (R-6.2, R-6.3): what is in force on a date, every version of
one measure, and the scenarios. Public, like the catalog: a measure that is not published here
is never applied (措施清单之外不得实施).

The measures are those of the node's runtime (shipped files plus CHENGXIN_MEASURES_DIR), exactly
as their files say; "today" is the date in China by the runtime's clock.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from chengxin.access.deps import allowed
from chengxin.access.permissions import Permission
from chengxin.clock import china_today
from chengxin.errors import NotFound
from chengxin.measures.types import SCENARIO_NAMES, Measure, MeasureKind, Measures, Scenario
from chengxin.problems import GUARDED, NO_NUL, problem_responses
from chengxin.runtime import runtime_of

router = APIRouter(
    prefix="/api/v1",
    tags=["measures"],
    dependencies=[allowed(Permission.MEASURES_READ), *NO_NUL],
    responses=GUARDED,
)


def get_measures(request: Request) -> Measures:
    return runtime_of(request).measures


def get_today(request: Request) -> dt.date:
    return china_today(runtime_of(request).clock())


MeasuresDep = Annotated[Measures, Depends(get_measures)]
Today = Annotated[dt.date, Depends(get_today)]


class MeasureListOut(BaseModel):
    on: dt.date = Field(description="The date the measures are in force on")
    count: int
    measures: list[Measure] = Field(description="One version per measure, by code")


class MeasureDetailOut(BaseModel):
    code: str
    in_force: Measure | None = Field(description="The version in force today; null if none")
    versions: list[Measure] = Field(description="Every version, oldest first")


class ScenarioOut(BaseModel):
    code: Scenario
    zh: str
    en: str


class ScenarioListOut(BaseModel):
    scenarios: list[ScenarioOut]


@router.get("/measures", summary="Measures in force on a date")
def list_measures(
    *,
    measures: MeasuresDep,
    today: Today,
    on: Annotated[
        dt.date | None, Query(description="Date in force (YYYY-MM-DD); default today in China")
    ] = None,
    scenario: Annotated[Scenario | None, Query(description="Only this scenario")] = None,
    kind: Annotated[MeasureKind | None, Query(description="Only rewards or punishments")] = None,
) -> MeasureListOut:
    day = on or today
    found = [
        m
        for m in measures.in_force(day)
        if (scenario is None or scenario in m.scenarios) and (kind is None or m.kind is kind)
    ]
    return MeasureListOut(on=day, count=len(found), measures=found)


@router.get(
    "/measures/{code}",
    summary="One measure: every version, and the one in force today",
    responses=problem_responses(described={404: "No measure has this code"}),
)
def get_measure(
    measures: MeasuresDep,
    today: Today,
    code: Annotated[str, Path(max_length=64, description="Measure code, e.g. COURT-VEHICLES")],
) -> MeasureDetailOut:
    versions = measures.versions.get(code)
    if not versions:
        raise NotFound("no measure has this code", field="code", rule="measure")  # input not echoed
    current = next((m for m in measures.in_force(today) if m.code == code), None)
    return MeasureDetailOut(code=code, in_force=current, versions=list(versions))


@router.get("/scenarios", summary="The scenarios measures are applied in")
def list_scenarios() -> ScenarioListOut:
    return ScenarioListOut(
        scenarios=[ScenarioOut(code=s, zh=zh, en=en) for s, (zh, en) in SCENARIO_NAMES.items()]
    )
