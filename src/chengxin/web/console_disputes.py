"""Console: open objections (异议) and repair applications (信用修复) by deadline, overdue first
(R-4.1, R-4.3, R-7.3), and a case with its record, reasons, evidence files, steps and the steps
the platform's staff may take — the routes of `disputes/staff_api.py` as pages. Reading needs
`admin:disputes:read` (reviewers, operators); acting needs `admin:disputes:write` (reviewers).
The source's own answers (verify an objection, decide a repair) stay with the source's key."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, Response

from chengxin.access.deps import allowed
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.disputes import objections, repairs
from chengxin.disputes.deadlines import case_queue
from chengxin.disputes.models import CaseKind
from chengxin.disputes.rules import ObjectionEvent
from chengxin.disputes.views import case_file, case_view, find_case
from chengxin.errors import ChengxinError
from chengxin.runtime import Runtime
from chengxin.web import console_disputes_view as shown
from chengxin.web.console_casework import (
    MAX_PAGE,
    MAX_REASON,
    MESSAGES,
    Pages,
    evidence_answer,
    field_error,
    reason_form,
    see_other,
)
from chengxin.web.console_times import beijing
from chengxin.web.i18n import N_
from chengxin.web.pages import GuardedPage, PageRequest

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, allowed(Permission.DISPUTES_READ)]
Staff = Annotated[Principal, allowed(Permission.DISPUTES_MANAGE)]
MAX_QUEUE = 5000  # open cases read for the queue's pages
ACTIONS = {
    CaseKind.OBJECTION: ("accept", "reject", "review"),
    CaseKind.REPAIR: ("forward", "reject"),
}
FORM_FIELDS = ("action", "reason", "outcome", "document_number")
MAX_DOCUMENT = 100


@router.get("/console/disputes", response_class=HTMLResponse)
def queue(
    page: GuardedPage,
    _staff: Reader,
    kind: Annotated[str, Query(max_length=20)] = "",
    stage: Annotated[str, Query(max_length=20)] = "",
    number: Annotated[int, Query(alias="page", ge=1, le=MAX_PAGE)] = 1,
) -> HTMLResponse:
    errors = {}
    if kind and kind not in {k.value for k in CaseKind}:
        errors["kind"] = N_("Choose objections, repairs or both")
    if stage and stage not in shown.STAGES:
        errors["stage"] = N_("Choose one of the stages listed")
    context: dict[str, Any] = {
        "kinds": shown.KINDS, "stages": shown.STAGES, "states": shown.STATES,
        "labels_due": shown.DUE, "kind": kind, "stage": stage, "errors": errors,
        "params": {k: v for k, v in (("kind", kind), ("stage", stage)) if v},
    }  # fmt: skip
    if errors:
        return page.render("console_disputes.html", status=422, rows=[], pages=Pages(1, 0),
                           capped=False, **context)  # fmt: skip
    with page.runtime.reads() as session:
        found = case_queue(session, page.today, kind=CaseKind(kind) if kind else None,
                           state=stage or None, limit=MAX_QUEUE)  # fmt: skip
        pages = Pages(number, len(found))
        pages.check()
        rows = shown.queue_rows(session, found[pages.offset : pages.offset + pages.per_page])
    return page.render("console_disputes.html", rows=rows, pages=pages,
                       capped=len(found) >= MAX_QUEUE, **context)  # fmt: skip


def _case_page(
    page: PageRequest,
    principal: Principal,
    kind: CaseKind,
    case_id: uuid.UUID,
    status: int = 200,
    **form: Any,
) -> HTMLResponse:
    rt = page.runtime
    with rt.reads() as session:
        case = find_case(session, kind, case_id)
        view = case_view(session, rt.keys, case, page.today)
        facts = shown.case_facts(session, rt, case, page.today)
    values = {"reason": "", "outcome": "", "document_number": ""}
    context = {"errors": {}, "values": values} | form
    return page.render(
        "console_disputes_case.html", status=status, case=view, kind=kind.value, facts=facts,
        steps=shown.steps_of(view), labels=shown,
        events=shown.EVENTS if kind is CaseKind.OBJECTION else shown.REPAIR_EVENTS,
        may_act=principal.can(Permission.DISPUTES_MANAGE),
        waits=shown.waits_for_source(kind.value, view.state),
        outcomes=shown.review_outcomes(view.state) if kind is CaseKind.OBJECTION else {},
        filed=beijing(view.filed_at), decided=beijing(view.decided_at), max_reason=MAX_REASON,
        max_document=MAX_DOCUMENT, **context,
    )  # fmt: skip


@router.get("/console/disputes/{kind}/{case_id}", response_class=HTMLResponse)
def case(page: GuardedPage, staff: Reader, kind: CaseKind, case_id: uuid.UUID) -> HTMLResponse:
    return _case_page(page, staff, kind, case_id)


@router.get("/console/disputes/{kind}/{case_id}/files/{file_id}", response_class=Response)
def evidence(
    page: GuardedPage, _staff: Reader, kind: CaseKind, case_id: uuid.UUID, file_id: uuid.UUID
) -> Response:
    rt = page.runtime
    with rt.reads() as session:
        found, data = case_file(session, rt.keys, kind=kind, case_id=case_id, file_id=file_id)
    return evidence_answer(data, found.media_type, found.id)


def _checked(kind: CaseKind, form: dict[str, str]) -> dict[str, str]:
    """The form's refusals at their fields, all at once (the services check again)."""
    errors = {}
    action = form["action"]
    if action not in ACTIONS[kind]:
        return {"action": MESSAGES[("action", None)]}
    if action != "forward" and not 1 <= len(form["reason"].strip()) <= MAX_REASON:
        errors["reason"] = MESSAGES[("reason", None)]
    if action == "review":
        if form["outcome"] not in shown.REVIEW_OUTCOMES:
            errors["outcome"] = MESSAGES[("outcome", None)]
        if not 1 <= len(form["document_number"].strip()) <= MAX_DOCUMENT:
            errors["document_number"] = MESSAGES[("document_number", None)]
    return errors


def _act(rt: Runtime, kind: CaseKind, case_id: uuid.UUID, form: dict[str, str], actor: str) -> None:
    ctx, now, reason = rt.disputes, rt.clock(), form["reason"]
    with rt.sessions() as session, session.begin():
        action = form["action"]
        if kind is CaseKind.REPAIR and action == "forward":
            repairs.forward_repair(session, ctx, now, case_id=case_id, actor=actor)
        elif kind is CaseKind.REPAIR:
            repairs.reject_repair(session, ctx, now, case_id=case_id, reason=reason, actor=actor)
        elif action == "review":
            objections.enter_review_outcome(
                session, ctx, now, case_id=case_id, outcome=ObjectionEvent(form["outcome"]),
                document_number=form["document_number"], reason=reason, fields=None, actor=actor,
            )  # fmt: skip
        else:
            verb = (
                objections.accept_objection if action == "accept" else objections.reject_objection
            )
            verb(session, ctx, now, case_id=case_id, actor=actor, reason=reason)


@router.post("/console/disputes/{kind}/{case_id}", response_class=HTMLResponse)
def act(  # noqa: PLR0917  (form fields are parameters)
    page: GuardedPage,
    staff: Staff,
    kind: CaseKind,
    case_id: uuid.UUID,
    action: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, reason_form()] = "",
    outcome: Annotated[str, Form(max_length=20)] = "",
    document_number: Annotated[str, Form(max_length=2 * MAX_DOCUMENT)] = "",
) -> Response:
    form = {"action": action, "reason": reason, "outcome": outcome,
            "document_number": document_number}  # fmt: skip
    errors = _checked(kind, form)
    if not errors:
        try:
            _act(page.runtime, kind, case_id, form, staff.actor)
        except ChengxinError as refused:
            name, message = field_error(refused, FORM_FIELDS)
            errors[name] = message
    if errors:
        status = 409 if "state" in errors else 422
        return _case_page(page, staff, kind, case_id, status, errors=errors, values=form)
    return see_other(f"/console/disputes/{kind.value}/{case_id}")
