"""Console: the identity review queue (R-1.2) — a known ID number arrived with another name —
and a case's decision, for reviewers (`admin:identity:decide`), as `chengxin identity reviews`
and `decide`. Names are shown masked, as the command shows them; the ID number not at all. The
reviewer checks the change against documents outside the platform (household register, the
unit's file) and records the decision with its reasons."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, Response

from chengxin.access.deps import allowed
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.collection.waiting import decide_review
from chengxin.errors import ChengxinError
from chengxin.identity import service
from chengxin.identity.masking import mask_name
from chengxin.identity.models import ReviewState
from chengxin.identity.service import ReviewView
from chengxin.web.console_casework import (
    MAX_PAGE,
    MAX_REASON,
    MESSAGES,
    Pages,
    age_days,
    field_error,
    reason_form,
    see_other,
)
from chengxin.web.console_times import beijing
from chengxin.web.i18n import N_
from chengxin.web.pages import GuardedPage, PageRequest

router = APIRouter(include_in_schema=False)
Reviewer = Annotated[Principal, allowed(Permission.IDENTITY_REVIEW)]
STATES = {
    "pending": N_("Waiting for a decision"),
    "name_changed": N_("Decided: the name changed"),
    "rejected": N_("Decided: the name sent was wrong"),
    "all": N_("All cases"),
}
DECISIONS = {
    ReviewState.NAME_CHANGED: N_(
        "The person's name changed: the name sent becomes the name on file (the old name stays "
        "in the history) and the row the case holds is applied"
    ),
    ReviewState.REJECTED: N_(
        "The name sent is wrong: it is refused, and so is the row the case holds (the unit "
        "finds it among the batch's refused rows)"
    ),
}
FORM_FIELDS = ("decision", "reason")


def _shown(case: ReviewView, today: Any) -> dict[str, Any]:
    """What a reviewer sees of a case: masked names, where the data came from, its age."""
    return {
        "id": case.id, "state": case.state.value, "on_file": mask_name(case.name_on_file),
        "incoming": mask_name(case.incoming_name), "submitted_by": case.submitted_by,
        "opened": beijing(case.opened_at), "age": age_days(case.opened_at, today),
        "held": case.held_row, "decided_by": case.decided_by,
        "decided": beijing(case.decided_at), "decision_reason": case.decision_reason,
    }  # fmt: skip


@router.get("/console/identity", response_class=HTMLResponse)
def queue(
    page: GuardedPage,
    _reviewer: Reviewer,
    state: Annotated[str, Query(max_length=20)] = "pending",
    number: Annotated[int, Query(alias="page", ge=1, le=MAX_PAGE)] = 1,
) -> HTMLResponse:
    if state not in STATES:
        return page.render("console_identity.html", status=422, states=STATES, state=state,
                           cases=[], pages=Pages(1, 0),
                           errors={"state": N_("Choose one of the states listed")})  # fmt: skip
    wanted = None if state == "all" else ReviewState(state)
    rt, pages = page.runtime, Pages(number, 0)
    with rt.reads() as session:
        total = service.count_reviews(session, wanted)
        found = service.list_reviews(session, rt.keys, wanted, limit=pages.per_page,
                                     offset=pages.offset)  # fmt: skip
    pages = Pages(number, total)
    pages.check()
    return page.render("console_identity.html", states=STATES, state=state, pages=pages,
                       cases=[_shown(c, page.today) for c in found], errors={})  # fmt: skip


def _case_page(
    page: PageRequest, review_id: uuid.UUID, status: int = 200, **form: Any
) -> HTMLResponse:
    rt = page.runtime
    with rt.reads() as session:
        case = service.get_review(session, rt.keys, review_id)
    shown = {"errors": {}, "values": {"decision": "", "reason": ""}} | form
    return page.render("console_identity_case.html", status=status, case=_shown(case, page.today),
                       decisions=DECISIONS, states=STATES, max_reason=MAX_REASON,
                       **shown)  # fmt: skip


@router.get("/console/identity/{review_id}", response_class=HTMLResponse)
def case(page: GuardedPage, _reviewer: Reviewer, review_id: uuid.UUID) -> HTMLResponse:
    return _case_page(page, review_id)


@router.post("/console/identity/{review_id}", response_class=HTMLResponse)
def decide(
    page: GuardedPage,
    reviewer: Reviewer,
    review_id: uuid.UUID,
    decision: Annotated[str, Form(max_length=40)] = "",
    reason: Annotated[str, reason_form()] = "",
) -> Response:
    values = {"decision": decision, "reason": reason}
    errors: dict[str, str] = {}
    if decision not in DECISIONS:
        errors["decision"] = MESSAGES[("decision", None)]
    if not 1 <= len(reason.strip()) <= MAX_REASON:
        errors["reason"] = MESSAGES[("reason", None)]
    if not errors:
        rt = page.runtime
        try:
            with rt.sessions() as session, session.begin():
                decide_review(
                    session, rt.keys, rt.catalog, rt.clock(), review_id=review_id,
                    decision=ReviewState(decision), actor=reviewer.actor, reason=reason,
                )  # fmt: skip
        except ChengxinError as refused:
            name, message = field_error(refused, FORM_FIELDS)
            errors[name] = message
    if errors:
        status = 409 if "state" in errors else 422
        return _case_page(page, review_id, status, errors=errors, values=values)
    return see_other(f"/console/identity/{review_id}")
