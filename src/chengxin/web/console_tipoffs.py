"""Console: tip-off triage (举报, R-6.5) — the queue by state, oldest first, with filters, and a
tip-off with its texts, evidence files and steps, and the forms that accept, reject, refer or
close it, as `tipoffs/api.py` does. Reading needs `admin:tipoffs:read` (reviewers, operators,
auditors); acting needs `admin:tipoffs:write` (reviewers, operators)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, Response

from chengxin.access.deps import allowed
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.collection.sources import list_sources
from chengxin.errors import ChengxinError
from chengxin.runtime import Runtime
from chengxin.tipoffs import service
from chengxin.tipoffs.rules import TipoffCategory, TipoffState, region_prefix
from chengxin.tipoffs.views import evidence_file, queue, staff_view
from chengxin.web.console_casework import (
    MAX_PAGE,
    MAX_REASON,
    MESSAGES,
    Pages,
    age_days,
    evidence_answer,
    field_error,
    reason_form,
    see_other,
)
from chengxin.web.console_times import beijing
from chengxin.web.i18n import N_
from chengxin.web.pages import GuardedPage, PageRequest
from chengxin.web.tipoff_form import STATE_LABELS

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, allowed(Permission.TIPOFFS_READ)]
Staff = Annotated[Principal, allowed(Permission.TIPOFFS_MANAGE)]
CATEGORIES = {
    TipoffCategory.HEALTH_SAFETY: N_("Health and safety"),
    TipoffCategory.MARKET_ORDER: N_("Market and public order"),
    TipoffCategory.EVADING_OBLIGATIONS: N_("Evading legal obligations"),
    TipoffCategory.NATIONAL_DEFENCE: N_("National defence obligations"),
    TipoffCategory.KEY_SUPERVISION: N_("Key supervision"),
    TipoffCategory.OTHER: N_("Other dishonest conduct"),
}
STATES = {"": N_("Open (received, accepted, referred)")} | {
    str(k): v for k, v in STATE_LABELS.items()
}
ACTIONS = {  # what each state allows (tipoffs/rules.py TRANSITIONS)
    TipoffState.RECEIVED: ("accept", "reject"),
    TipoffState.ACCEPTED: ("refer", "close"),
    TipoffState.REFERRED: ("close",),
}
VERBS = {"accept": service.accept_tipoff, "reject": service.reject_tipoff,
         "close": service.close_tipoff}  # fmt: skip
EVENTS = {"file": N_("Filed"), "accept": N_("Accepted"), "reject": N_("Rejected"),
          "refer": N_("Referred to the unit"), "close": N_("Closed")}  # fmt: skip
FORM_FIELDS = ("action", "reason", "source_code")


def _filters(state: str, category: str, region: str) -> dict[str, str]:
    errors = {}
    if state and state not in STATE_LABELS:
        errors["state"] = N_("Choose one of the states listed")
    if category and category not in CATEGORIES:
        errors["category"] = N_("Choose one of the categories listed")
    if region:
        try:
            region_prefix(region)
        except ChengxinError:
            errors["region"] = N_("Give a six-digit administrative division code, e.g. 110000")
    return errors


@router.get("/console/tipoffs", response_class=HTMLResponse)
def triage(
    page: GuardedPage,
    _staff: Reader,
    state: Annotated[str, Query(max_length=20)] = "",
    category: Annotated[str, Query(max_length=30)] = "",
    region: Annotated[str, Query(max_length=12)] = "",
    number: Annotated[int, Query(alias="page", ge=1, le=MAX_PAGE)] = 1,
) -> HTMLResponse:
    errors = _filters(state, category, region)
    params = {k: v for k, v in (("state", state), ("category", category), ("region", region))
              if v}  # fmt: skip
    context: dict[str, Any] = {"states": STATES, "categories": CATEGORIES, "errors": errors,
                               "params": params, "shown": {"state": state, "category": category,
                                                           "region": region}}  # fmt: skip
    if errors:
        return page.render("console_tipoffs.html", status=422, rows=[], pages=Pages(1, 0),
                           **context)  # fmt: skip
    pages = Pages(number, 0)
    with page.runtime.reads() as session:
        found = queue(
            session, state=TipoffState(state) if state else None,
            category=TipoffCategory(category) if category else None, region_code=region or None,
            limit=pages.per_page + 1, offset=pages.offset,
        )  # fmt: skip
    pages = Pages(number, pages.offset + len(found), exact=False)
    pages.check()
    rows = [(t, beijing(t.filed_at), age_days(t.filed_at, page.today))
            for t in found[: pages.per_page]]  # fmt: skip
    return page.render("console_tipoffs.html", rows=rows, pages=pages, **context)


def _tipoff_page(
    page: PageRequest, principal: Principal, tipoff_id: uuid.UUID, status: int = 200, **form: Any
) -> HTMLResponse:
    rt = page.runtime
    with rt.reads() as session:
        view = staff_view(session, rt.keys, service.get_tipoff(session, tipoff_id))
        sources = {s.code: s.name for s in list_sources(session)}
    steps = [{"when": beijing(s.at), "event": s.event, "actor": s.actor,
              "reason": (s.reason or "") + (f" → {s.source}" if s.source else ""),
              "document": None} for s in view.steps]  # fmt: skip
    context = {"errors": {}, "values": {"reason": "", "source_code": ""}} | form
    return page.render(
        "console_tipoffs_one.html", status=status, tipoff=view, steps=steps, events=EVENTS,
        states=STATE_LABELS, categories=CATEGORIES, sources=sources,
        actions=ACTIONS.get(view.state, ()) if principal.can(Permission.TIPOFFS_MANAGE) else (),
        may_act=principal.can(Permission.TIPOFFS_MANAGE), filed=beijing(view.filed_at),
        decided=beijing(view.decided_at), max_reason=MAX_REASON, **context,
    )  # fmt: skip


@router.get("/console/tipoffs/{tipoff_id}", response_class=HTMLResponse)
def tipoff(page: GuardedPage, staff: Reader, tipoff_id: uuid.UUID) -> HTMLResponse:
    return _tipoff_page(page, staff, tipoff_id)


@router.get("/console/tipoffs/{tipoff_id}/files/{file_id}", response_class=Response)
def evidence(
    page: GuardedPage, _staff: Reader, tipoff_id: uuid.UUID, file_id: uuid.UUID
) -> Response:
    rt = page.runtime
    with rt.reads() as session:
        found, data = evidence_file(session, rt.keys, tipoff_id=tipoff_id, file_id=file_id)
    return evidence_answer(data, found.media_type, found.id)


def _act(rt: Runtime, tipoff_id: uuid.UUID, form: dict[str, str], actor: str) -> None:
    with rt.sessions() as session, session.begin():
        if form["action"] == "refer":
            service.refer_tipoff(session, rt.keys, rt.clock(), tipoff_id=tipoff_id,
                                 source_code=form["source_code"], reason=form["reason"],
                                 actor=actor)  # fmt: skip
        else:
            VERBS[form["action"]](session, rt.keys, rt.clock(), tipoff_id=tipoff_id,
                                  reason=form["reason"], actor=actor)  # fmt: skip


@router.post("/console/tipoffs/{tipoff_id}", response_class=HTMLResponse)
def act(  # noqa: PLR0917  (form fields are parameters)
    page: GuardedPage,
    staff: Staff,
    tipoff_id: uuid.UUID,
    action: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, reason_form()] = "",
    source_code: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    form = {"action": action, "reason": reason, "source_code": source_code}
    errors = {}
    if action not in {*VERBS, "refer"}:
        errors["action"] = MESSAGES[("action", None)]
    if not 1 <= len(reason.strip()) <= MAX_REASON:
        errors["reason"] = MESSAGES[("reason", None)]
    if action == "refer" and not source_code.strip():
        errors["source_code"] = MESSAGES[("source_code", None)]
    if not errors:
        try:
            _act(page.runtime, tipoff_id, form, staff.actor)
        except ChengxinError as refused:
            name, message = field_error(refused, FORM_FIELDS)
            errors[name] = message
    if errors:
        status = 409 if "state" in errors else 422
        return _tipoff_page(page, staff, tipoff_id, status, errors=errors, values=form)
    return see_other(f"/console/tipoffs/{tipoff_id}")
