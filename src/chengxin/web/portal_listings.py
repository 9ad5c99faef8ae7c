"""My listings and notices of listing on the portal (R-6.1, R-6.3): each entry with its list, state,
decision, reasons and dates, and — while the notice's answer window is open — the form to state my
case (陈述申辩), which goes to the designating unit. Through the API's verbs (`lists.service`)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from chengxin.access.deps import allowed, own_subject
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.clock import china_today
from chengxin.disputes.cases import MAX_TEXT
from chengxin.errors import ChengxinError
from chengxin.lists import queries, service
from chengxin.lists.rules import ListingState, RemovalReason
from chengxin.lists.service import ListContext
from chengxin.lists.types import shipped_types
from chengxin.lists.views import ListingOut, listing_view
from chengxin.runtime import Runtime
from chengxin.web.i18n import N_
from chengxin.web.pages import GuardedPage, PageRequest
from chengxin.web.portal_forms import Checks, Messages, raw, see_other
from chengxin.web.public_lists import LABELS

router = APIRouter(include_in_schema=False)
Person = Annotated[Principal, allowed(Permission.OWN_LISTING_ANSWER)]
STATES = {
    ListingState.PROPOSED: N_("Proposed (拟列入)"),
    ListingState.NOTICED: N_("Notice given: you may state your case (已告知)"),
    ListingState.ANSWERED: N_("Your statement is with the designating unit (已陈述申辩)"),
    ListingState.LISTED: N_("Listed (已列入)"),
    ListingState.WITHDRAWN: N_("Not listed (不予列入)"),
    ListingState.REMOVED: N_("Removed from the list (已移出)"),
}
REMOVALS = {
    RemovalReason.TERM_EXPIRED: N_("the term ended"),
    RemovalReason.EARLY_REMOVAL: N_("early removal after correction"),
    RemovalReason.DECISION: N_("by a decision"),
}
MESSAGES: Messages = {
    ("statement", None): N_("Write your statement in 5 to 2000 characters"),
    ("state", "answer-window-closed"): N_("The time to answer this notice has ended"),
    ("state", "no-answer-window"): N_("This notice only informs you: it cannot be answered here"),
    ("state", None): N_("This listing cannot be answered in its present state"),
}
DONE = {"answered": N_("Your statement was sent to the designating unit.")}


def _ctx(rt: Runtime) -> ListContext:
    return ListContext(rt.keys, rt.workdays, shipped_types())


def _mine(page: PageRequest, principal: Principal) -> list[ListingOut]:
    rt = page.runtime
    subject_id = own_subject(principal, "listings")
    today = china_today(rt.clock())
    with rt.reads() as session:
        return [listing_view(session, _ctx(rt), entry, today, person=True)
                for entry in queries.listings_of(session, subject_id)]  # fmt: skip


@router.get("/me/listings", response_class=HTMLResponse)
def my_listings(
    page: GuardedPage, principal: Person, done: Annotated[str, Query(max_length=20)] = ""
) -> Response:
    return page.render("me_listings.html", listings=_mine(page, principal), states=STATES,
                       removals=REMOVALS, roles=LABELS["role_labels"], day=china_today,
                       done=DONE.get(done))  # fmt: skip


def _answer_page(page: PageRequest, principal: Principal, entry_id: uuid.UUID, status: int = 200,
                 **context: Any) -> Response:  # fmt: skip
    rt = page.runtime
    with rt.reads() as session:  # another person's entry is answered as unknown
        entry = service.get_entry(session, entry_id, subject_id=own_subject(principal, "listings"))
        listing = listing_view(session, _ctx(rt), entry, china_today(rt.clock()), person=True)
    shown = {"statement": "", "errors": {}} | context
    return page.render("me_listing_answer.html", status=status, listing=listing, states=STATES,
                       removals=REMOVALS, roles=LABELS["role_labels"], max_text=MAX_TEXT,
                       day=china_today, **shown)  # fmt: skip


@router.get("/me/listings/{entry_id}/answer", response_class=HTMLResponse)
def answer_form(page: GuardedPage, principal: Person, entry_id: uuid.UUID) -> Response:
    return _answer_page(page, principal, entry_id)


@router.post("/me/listings/{entry_id}/answer", response_class=HTMLResponse)
def answer(
    page: GuardedPage, principal: Person, entry_id: uuid.UUID,
    statement: Annotated[str, raw()] = "",
) -> Response:  # fmt: skip
    rt = page.runtime
    text = statement.replace("\r\n", "\n")
    checks = Checks(MESSAGES)
    try:
        with rt.sessions() as session, session.begin():
            service.answer_notice(
                session, _ctx(rt), rt.clock(), entry_id=entry_id, statement=text,
                subject_id=own_subject(principal, "listings"), actor=principal.actor,
            )  # fmt: skip
        return see_other("/me/listings?done=answered")
    except ChengxinError as refused:
        checks.refuse(refused)
    return _answer_page(page, principal, entry_id, 422, statement=text, errors=checks.errors)
