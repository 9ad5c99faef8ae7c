"""Typical cases on the public site (典型案例, R-7.1): the cases published with the consent of
the person they are about, within their period, the person named only by the masked name."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from chengxin.typicalcases import service
from chengxin.typicalcases.rules import CaseKind
from chengxin.web.cases_form import KIND_LABELS
from chengxin.web.pages import Page

router = APIRouter(include_in_schema=False)
MAX_PAGE = 10_000


@router.get("/public/cases", response_class=HTMLResponse)
def typical_cases(
    page: Page,
    kind: Annotated[CaseKind | None, Query(description="honour or warning")] = None,
    number: Annotated[int, Query(alias="page", ge=1, le=MAX_PAGE)] = 1,
) -> HTMLResponse:
    with page.runtime.reads() as session:
        cases, total = service.published_cases(session, page.today, kind=kind, page=number)
    pages = max(1, -(-total // service.PAGE_SIZE))
    return page.render("cases_list.html", cases=cases, total=total, kind=kind, number=number,
                       pages=pages, kinds=KIND_LABELS)  # fmt: skip


@router.get("/public/cases/{case_id}", response_class=HTMLResponse)
def typical_case(page: Page, case_id: uuid.UUID) -> HTMLResponse:
    rt = page.runtime
    with rt.reads() as session:
        shown = service.view(rt.keys, service.published_case(session, page.today, case_id))
    return page.render("cases_case.html", shown=shown, kinds=KIND_LABELS)
