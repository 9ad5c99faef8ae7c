"""Typical cases on the console (典型案例): staff write a case about a registered person, which
asks the person for consent; a consented case is published for a number of months, and any case
can be taken down with a reason. Reading needs the console; writing `admin:cases:write`."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse

from chengxin.access.deps import allowed
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.errors import ChengxinError
from chengxin.typicalcases import service
from chengxin.typicalcases.rules import DEFAULT_MONTHS, CaseKind, CaseState
from chengxin.web.cases_form import (
    KIND_LABELS,
    MESSAGES,
    RAW_LIMIT,
    STATE_LABELS,
    message,
    months_error,
    new_form,
)
from chengxin.web.pages import GuardedPage, PageRequest

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, allowed(Permission.CONSOLE_READ)]
Writer = Annotated[Principal, allowed(Permission.CASES_MANAGE)]
Raw = Annotated[str, Form(max_length=RAW_LIMIT)]


def _new_page(page: PageRequest, status: int = 200, **context: Any) -> HTMLResponse:
    shown = {"values": new_form().values, "errors": {}} | context
    return page.render("cases_console_new.html", status=status, kinds=KIND_LABELS, **shown)


def _case_page(
    page: PageRequest, case_id: uuid.UUID, staff: Principal, status: int = 200, **context: Any
) -> HTMLResponse:
    rt = page.runtime
    with rt.reads() as session:
        shown = service.view(rt.keys, service.get_case(session, case_id))
    defaults = {"errors": {}, "months": str(DEFAULT_MONTHS), "reason": "",
                "can_write": staff.can(Permission.CASES_MANAGE)}  # fmt: skip
    return page.render("cases_console_case.html", status=status, shown=shown, kinds=KIND_LABELS,
                       states=STATE_LABELS, **(defaults | context))  # fmt: skip


@router.get("/console/cases", response_class=HTMLResponse)
def cases(
    page: GuardedPage, staff: Reader,
    state: Annotated[CaseState | None, Query(description="only cases in this state")] = None,
) -> HTMLResponse:  # fmt: skip
    with page.runtime.reads() as session:
        found = service.all_cases(session, state=state)
    return page.render(
        "cases_console.html", cases=found, state=state, kinds=KIND_LABELS, states=STATE_LABELS,
        can_write=staff.can(Permission.CASES_MANAGE),
    )  # fmt: skip


@router.get("/console/cases/new", response_class=HTMLResponse)
def new_case(page: GuardedPage, _staff: Writer) -> HTMLResponse:
    return _new_page(page)


@router.post("/console/cases", response_class=HTMLResponse, response_model=None)
def ask_case(  # noqa: PLR0917  (form fields are parameters)
    page: GuardedPage, staff: Writer, kind: Raw = "", id_number: Raw = "", region_code: Raw = "",
    title_zh: Raw = "", title_en: Raw = "", story_zh: Raw = "", story_en: Raw = "",
) -> HTMLResponse | RedirectResponse:  # fmt: skip
    form = new_form(kind=kind, id_number=id_number, region_code=region_code, title_zh=title_zh,
                    title_en=title_en, story_zh=story_zh, story_en=story_en)  # fmt: skip
    form.check(page.today)
    rt, v = page.runtime, form.values
    if not form.errors:
        try:
            with rt.sessions() as session, session.begin():
                case = service.ask_case(
                    session, rt.keys, rt.clock(), id_number=v["id_number"], kind=CaseKind(kind),
                    region_code=v["region_code"], title_zh=v["title_zh"], title_en=v["title_en"],
                    story_zh=v["story_zh"], story_en=v["story_en"], actor=staff.actor,
                )  # fmt: skip
        except ChengxinError as refused:
            form.refuse(refused)
    if form.errors:
        v["id_number"] = ""  # never sent back into the page
        return _new_page(page, 422, values=v, errors=form.errors)
    return RedirectResponse(f"/console/cases/{case.id}", status_code=303)


@router.get("/console/cases/{case_id}", response_class=HTMLResponse)
def case_page(page: GuardedPage, staff: Reader, case_id: uuid.UUID) -> HTMLResponse:
    return _case_page(page, case_id, staff)


@router.post("/console/cases/{case_id}/publish", response_class=HTMLResponse, response_model=None)
def publish(
    page: GuardedPage, staff: Writer, case_id: uuid.UUID,
    months: Annotated[str, Form(max_length=10)] = "",
) -> HTMLResponse | RedirectResponse:  # fmt: skip
    error = months_error(months)
    if error:
        return _case_page(page, case_id, staff, 422, months=months, errors={"months": error})
    rt = page.runtime
    with rt.sessions() as session, session.begin():
        service.publish_case(session, rt.keys, rt.clock(), case_id=case_id, months=int(months),
                             actor=staff.actor)  # fmt: skip
    return RedirectResponse(f"/console/cases/{case_id}", status_code=303)


@router.post("/console/cases/{case_id}/retire", response_class=HTMLResponse, response_model=None)
def retire(
    page: GuardedPage, staff: Writer, case_id: uuid.UUID,
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> HTMLResponse | RedirectResponse:  # fmt: skip
    rt = page.runtime
    try:
        with rt.sessions() as session, session.begin():
            service.retire_case(session, rt.keys, rt.clock(), case_id=case_id, reason=reason,
                                actor=staff.actor)  # fmt: skip
    except ChengxinError as refused:
        if refused.field != "reason":
            raise
        shown = message("reason", refused) if refused.rule else MESSAGES[("reason", None)]
        return _case_page(page, case_id, staff, 422, reason=reason, errors={"reason": shown})
    return RedirectResponse(f"/console/cases/{case_id}", status_code=303)
