"""The person's side of typical cases (典型案例): read what the platform would publish about
them and consent, decline, or withdraw consent later (a published case leaves the site at once)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse

from chengxin.access.deps import allowed, own_subject
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.typicalcases import service
from chengxin.web.cases_form import KIND_LABELS, STATE_LABELS
from chengxin.web.pages import GuardedPage

router = APIRouter(include_in_schema=False)
Person = Annotated[Principal, allowed(Permission.OWN_CASES)]
VERBS = {
    "consent": service.consent_case,
    "decline": service.decline_case,
    "withdraw": service.withdraw_case,
}


@router.get("/me/cases", response_class=HTMLResponse)
def my_cases(page: GuardedPage, principal: Person) -> HTMLResponse:
    subject_id = own_subject(principal, "typical cases about them")
    rt = page.runtime
    with rt.reads() as session:
        shown = [service.view(rt.keys, c) for c in service.cases_of(session, subject_id)]
    return page.render("cases_mine.html", shown=shown, kinds=KIND_LABELS, states=STATE_LABELS)


def _answer(
    page: GuardedPage, principal: Principal, case_id: uuid.UUID, verb: str
) -> RedirectResponse:
    subject_id = own_subject(principal, "typical cases about them")
    rt = page.runtime
    with rt.sessions() as session, session.begin():
        VERBS[verb](session, rt.clock(), case_id=case_id, subject_id=subject_id)
    return RedirectResponse(f"/me/cases#case-{case_id}", status_code=303)


@router.post("/me/cases/{case_id}/consent")
def consent(page: GuardedPage, principal: Person, case_id: uuid.UUID) -> RedirectResponse:
    return _answer(page, principal, case_id, "consent")


@router.post("/me/cases/{case_id}/decline")
def decline(page: GuardedPage, principal: Person, case_id: uuid.UUID) -> RedirectResponse:
    return _answer(page, principal, case_id, "decline")


@router.post("/me/cases/{case_id}/withdraw")
def withdraw(page: GuardedPage, principal: Person, case_id: uuid.UUID) -> RedirectResponse:
    return _answer(page, principal, case_id, "withdraw")
