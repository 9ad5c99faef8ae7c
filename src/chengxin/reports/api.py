"""Report routes: my own report, a report for a requester or department, and verification of any
report by its code (R-5.3); the public verification page is `chengxin.web.verify_pages`."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from chengxin.access.deps import allowed
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.problems import GUARDED, NO_NUL, problem_responses
from chengxin.queries.api import QueryIn
from chengxin.queries.thresholds import Thresholds
from chengxin.reports import service
from chengxin.reports.render import to_html, to_pdf
from chengxin.runtime import runtime_of
from chengxin.scoring.service import model_for

router = APIRouter(tags=["reports"], responses=GUARDED, dependencies=NO_NUL)
Format = Literal["json", "html", "pdf"]
Verifier = Annotated[Principal, allowed(Permission.REPORTS_VERIFY)]
# The answer in the format asked for (`format=`): JSON, an HTML page or a PDF file.
REPORT_FORMATS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {}, "text/html": {}, "application/pdf": {}}}
}


class VerificationOut(BaseModel):
    code: str
    valid: bool = Field(description="Issued by this platform and, if given, unchanged")
    current: bool = Field(description="No record of the person changed since it was issued")
    issued_at: dt.datetime | None
    problem: str | None


def _answer(report: dict[str, Any], fmt: Format) -> Response:
    code = report["verification"]["code"]
    if fmt == "html":
        return HTMLResponse(to_html(report))
    if fmt == "pdf":
        return Response(
            to_pdf(report), media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="credit-report-{code}.pdf"'},
        )  # fmt: skip
    return JSONResponse(report)


@router.get(
    "/api/v1/me/report",
    responses=REPORT_FORMATS,
    summary="My own credit report (JSON, HTML or PDF)",
)
def my_report(
    request: Request,
    principal: Annotated[Principal, allowed(Permission.OWN_RECORDS_READ)],
    format: Format = "json",
) -> Response:
    rt = runtime_of(request)
    now = rt.clock()
    report = service.issue_report(
        rt.sessions, rt.keys, rt.catalog, now, principal=principal,
        purpose="self_query", thresholds=Thresholds.of(rt.settings), score_model=model_for(rt, now),
    )  # fmt: skip
    return _answer(report, format)


@router.post(
    "/api/v1/reports",
    responses=REPORT_FORMATS,
    summary="A credit report for a requester or a department",
)
def post_report(
    request: Request,
    principal: Annotated[Principal, allowed(Permission.PERSON_RECORDS_QUERY)],
    body: QueryIn,
    format: Format = "json",
) -> Response:
    rt = runtime_of(request)
    report = service.issue_report(
        rt.sessions, rt.keys, rt.catalog, rt.clock(), principal=principal,
        purpose=body.purpose, id_number=body.id_number, consent_id=body.consent_id,
        legal_basis=body.legal_basis, thresholds=Thresholds.of(rt.settings),
    )  # fmt: skip
    return _answer(report, format)


@router.get(
    "/api/v1/reports/verify/{code}",
    response_model=VerificationOut,
    summary="Check a code",
    responses=problem_responses(404),
)
def verify_code(request: Request, _who: Verifier, code: str) -> VerificationOut:
    with runtime_of(request).reads() as session:
        found = service.check_code(session, code[:40])
    return VerificationOut(**found.__dict__)


@router.post(
    "/api/v1/reports/verify", response_model=VerificationOut,
    summary="Check a whole JSON report: issued here, unchanged, signed",
)  # fmt: skip
def verify_body(
    request: Request, _who: Verifier, report: Annotated[dict[str, Any], Body()]
) -> VerificationOut:
    rt = runtime_of(request)
    with rt.reads() as session:
        found = service.verify_report(session, rt.keys, report)
    return VerificationOut(**found.__dict__)
