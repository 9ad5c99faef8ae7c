"""The console's listing workflow (名单认定, R-6.3): listings by list type and state with their
notice windows (告知, 陈述申辩), one listing with its steps and legal basis, and the platform's
two actions — confirm and remove — through the service verbs of the staff API. Staff see what
the staff API shows: ids, states, dates, document numbers; never a person's name, the reasons
or the person's statement (sealed, the listed person's only)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chengxin.access.deps import allowed
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.errors import ChengxinError
from chengxin.lists import queries, service
from chengxin.lists.rules import Condition, ListingState, RemovalReason
from chengxin.lists.service import MAX_DOCUMENT, ListContext
from chengxin.lists.steps import MAX_TEXT
from chengxin.lists.types import shipped_types
from chengxin.lists.views import listing_view
from chengxin.runtime import Runtime
from chengxin.web.console_times import beijing
from chengxin.web.i18n import N_
from chengxin.web.pages import GuardedPage, PageRequest

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, allowed(Permission.LISTS_READ)]
Manager = Annotated[Principal, allowed(Permission.LISTS_MANAGE)]
RAW = 100  # a filter or short field longer than this is refused before it is read (422 page)
RAW_TEXT = 10 * MAX_TEXT
SHOWN = 200  # listings on the page, the newest first (the staff API's default)
RawQuery = Annotated[str, Query(max_length=RAW)]
RawForm = Annotated[str, Form(max_length=10 * RAW)]  # room to refuse at the field
LABELS: dict[str, Any] = {
    "state_labels": {
        ListingState.PROPOSED: N_("Proposed"),
        ListingState.NOTICED: N_("Noticed"),
        ListingState.ANSWERED: N_("Answered"),
        ListingState.LISTED: N_("Listed"),
        ListingState.WITHDRAWN: N_("Withdrawn, not listed"),
        ListingState.REMOVED: N_("Removed from the list"),
    },
    "event_labels": {
        "propose": N_("proposed"),
        "notice": N_("notice sent (告知)"),
        "answer": N_("statement received (陈述申辩)"),
        "confirm": N_("confirmed"),
        "withdraw": N_("withdrawn"),
        "remove": N_("removed"),
        "expire": N_("term ran out"),
    },
    "kind_labels": {
        "serious_dishonesty": N_("Serious dishonesty"),
        "red": N_("Red list"),
        "key_supervision": N_("Key supervision"),
    },
    "subject_labels": {"person": N_("Natural person"), "organisation": N_("Organisation")},
    "role_labels": {
        "legal_representative": N_("legal representative"),
        "responsible_person": N_("responsible person"),
    },
    "condition_labels": {
        Condition.CORRECTION: N_("The conduct was corrected and its effects removed"),
        Condition.COMMITMENT: N_("A credit commitment was made"),
        Condition.OBLIGATIONS_PERFORMED: N_("The legal obligations were performed"),
        Condition.NO_NEW_VIOLATION: N_("No new violation of the same kind while listed"),
        Condition.CREDIT_TRAINING: N_("Credit repair training was attended"),
    },
    "removal_labels": {
        RemovalReason.TERM_EXPIRED: N_("the term ran out"),
        RemovalReason.EARLY_REMOVAL: N_("early removal"),
        RemovalReason.DECISION: N_("by decision"),
    },
}
WHY = (RemovalReason.DECISION, RemovalReason.EARLY_REMOVAL)
# What a refusal of the listing service says, at which field, by (field, rule); (field, None)
# for any other rule of that field. The form's own checks use the same messages.
REFUSALS: dict[tuple[str, str | None], tuple[str, str]] = {
    ("state", "answer-window-open"): ("state", N_(
        "The notice window is open and the person has not answered: confirm after it ends")),
    ("state", "organisation-not-listed"): ("state", N_(
        "The organisation's listing has not taken effect: confirm that one first")),
    ("state", None): ("state", N_("The listing is not in a state for this step")),
    ("listing", None): ("state", N_("The listing changed meanwhile: read it again")),
    ("conditions", "no-early-removal"): ("why", N_(
        "This list has no early removal: remove by decision")),
    ("conditions", "too-early"): ("why", N_(
        "Early removal is not possible yet: the waiting period has not run out")),
    ("conditions", "correction-in-future"): ("corrected_on", N_(
        "The correction date must not be in the future")),
    ("conditions", "missing-correction-date"): ("corrected_on", N_(
        "Give the date of the correction: this list counts the waiting period from it")),
    ("conditions", None): ("conditions", N_("Attest every condition this list requires")),
    ("why", None): ("why", N_("Choose why the listing is removed")),
    ("reason", None): ("reason", N_("Give the reason in 1 to 2000 characters")),
    ("document_number", None): ("document_number", N_(
        "A document number has at most 100 characters")),
    ("corrected_on", None): ("corrected_on", N_("Give the date as YYYY-MM-DD")),
}  # fmt: skip


def _ctx(rt: Runtime) -> ListContext:
    return ListContext(rt.keys, rt.workdays, shipped_types())


def _at(refused: ChengxinError) -> tuple[str, str] | None:
    field, rule = str(refused.field), refused.rule
    return REFUSALS.get((field, rule)) or REFUSALS.get((field, None))


@router.get("/console/listings", response_class=HTMLResponse)
def listings(
    page: GuardedPage,
    _staff: Reader,
    list_type: Annotated[str, Query(alias="type", max_length=RAW)] = "",
    state: RawQuery = "",
) -> HTMLResponse:
    rt = page.runtime
    ctx = _ctx(rt)
    errors = {}
    if list_type and list_type not in ctx.types.codes():
        errors["type"] = N_("Choose one of the list types shown")
    if state and state not in set(ListingState):
        errors["state"] = N_("Choose one of the states shown")
    found = []
    if not errors:
        with rt.reads() as session:
            entries = queries.find_listings(session, list_type=list_type or None,
                                            state=ListingState(state) if state else None,
                                            limit=SHOWN)  # fmt: skip
            found = [listing_view(session, ctx, e, page.today, person=False) for e in entries]
    types = [(t.code, t.name) for t in ctx.types.current(page.today)]
    return page.render("console_listings.html", status=422 if errors else 200, errors=errors,
                       listings=found, types=types, chosen={"type": list_type, "state": state},
                       shown=SHOWN, beijing=beijing, **LABELS)  # fmt: skip


def _entry_page(
    page: PageRequest, staff: Principal, entry_id: uuid.UUID, *, status: int = 200,
    errors: dict[str, str] | None = None, values: dict[str, Any] | None = None, done: str = "",
) -> HTMLResponse:  # fmt: skip
    rt = page.runtime
    ctx = _ctx(rt)
    with rt.reads() as session:
        entry = service.get_entry(session, entry_id)
        view = listing_view(session, ctx, entry, page.today, person=False)
        early = service.type_of(ctx, entry).early_removal
    shown = {"why": "", "reason": "", "document_number": "", "conditions": [], "corrected_on": ""}
    return page.render(
        "console_listings_entry.html", status=status, e=view, errors=errors or {},
        values=shown | (values or {}), done=done, manage=staff.can(Permission.LISTS_MANAGE),
        requires=sorted(early.requires) if early else [], early=early, why_choices=WHY,
        max_text=MAX_TEXT, max_document=MAX_DOCUMENT, beijing=beijing, **LABELS,
    )  # fmt: skip


@router.get("/console/listings/{entry_id}", response_class=HTMLResponse)
def listing(
    page: GuardedPage, staff: Reader, entry_id: uuid.UUID,
    done: Literal["", "confirmed", "removed"] = "",
) -> HTMLResponse:  # fmt: skip
    return _entry_page(page, staff, entry_id, done=done)


def _done(entry_id: uuid.UUID, what: str) -> Response:
    return RedirectResponse(f"/console/listings/{entry_id}?done={what}", status_code=303)


def _refused(
    page: PageRequest, staff: Principal, entry_id: uuid.UUID, refused: ChengxinError,
    values: dict[str, Any],
) -> HTMLResponse:  # fmt: skip
    at = _at(refused)
    if at is None:
        raise refused
    field, message = at
    return _entry_page(page, staff, entry_id, status=refused.status, errors={field: message},
                       values=values)  # fmt: skip


@router.post("/console/listings/{entry_id}/confirm", response_class=HTMLResponse)
def confirm(
    page: GuardedPage, staff: Manager, entry_id: uuid.UUID, document_number: RawForm = ""
) -> Response:
    values = {"document_number": document_number}
    if len(document_number.strip()) > MAX_DOCUMENT:
        too_long = {"document_number": REFUSALS["document_number", None][1]}
        return _entry_page(page, staff, entry_id, status=422, errors=too_long, values=values)
    rt = page.runtime
    try:
        with rt.sessions() as session, session.begin():
            service.confirm_listing(session, _ctx(rt), rt.clock(), entry_id=entry_id,
                                    actor=staff.actor,
                                    document_number=document_number.strip() or None)  # fmt: skip
    except ChengxinError as refused:
        return _refused(page, staff, entry_id, refused, values)
    return _done(entry_id, "confirmed")


def _removal_errors(values: dict[str, Any]) -> dict[str, str]:
    """The form's own checks, every field at once, before the service is asked."""
    checks = {
        "why": values["why"] not in WHY,
        "reason": not 1 <= len(values["reason"].strip()) <= MAX_TEXT,
        "document_number": len(values["document_number"].strip()) > MAX_DOCUMENT,
        "conditions": len(values["conditions"]) > len(Condition)
        or not set(values["conditions"]) <= set(Condition),
        "corrected_on": _not_a_day(values["corrected_on"]),
    }
    errors = {field: REFUSALS[field, None][1] for field, bad in checks.items() if bad}
    if "conditions" in errors:
        errors["conditions"] = N_("Choose among the conditions shown")
    return errors


def _day(raw: str) -> dt.date | None:
    """The date typed (YYYY-MM-DD), None when empty; ValueError when it is not one."""
    text = raw.strip()
    if not text:
        return None
    if len(text) != len("2026-01-01"):
        raise ValueError(text)
    return dt.date.fromisoformat(text)


def _not_a_day(raw: str) -> bool:
    try:
        _day(raw)
    except ValueError:
        return True
    return False


@router.post("/console/listings/{entry_id}/remove", response_class=HTMLResponse)
def remove(  # noqa: PLR0917  (form fields are parameters)
    page: GuardedPage,
    staff: Manager,
    entry_id: uuid.UUID,
    why: RawForm = "",
    reason: Annotated[str, Form(max_length=RAW_TEXT)] = "",
    document_number: RawForm = "",
    conditions: Annotated[list[str], Form(max_length=4 * len(Condition))] = [],  # noqa: B006
    corrected_on: RawForm = "",
) -> Response:
    values = {"why": why, "reason": reason, "document_number": document_number,
              "conditions": conditions, "corrected_on": corrected_on}  # fmt: skip
    errors = _removal_errors(values)
    if errors:
        return _entry_page(page, staff, entry_id, status=422, errors=errors, values=values)
    rt = page.runtime
    try:
        with rt.sessions() as session, session.begin():
            service.remove_listing(
                session, _ctx(rt), rt.clock(), entry_id=entry_id, why=RemovalReason(why),
                reason=reason, actor=staff.actor, document_number=document_number.strip() or None,
                conditions=[Condition(c) for c in conditions],
                corrected_on=_day(corrected_on),
            )  # fmt: skip
    except ChengxinError as refused:
        return _refused(page, staff, entry_id, refused, values)
    return _done(entry_id, "removed")
