"""My consents (授权) on the portal (R-3.4, R-5.3): each with its requester, purpose, scope, days
and state; the form to give one, and withdrawal with a reason. Through the API's verbs: each
grant and withdrawal is a new version signed by the node and logged in the ledger."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from chengxin.access.deps import allowed, own_subject
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.catalog.vocab import Category, DisclosureLevel
from chengxin.clock import china_today
from chengxin.consents import service
from chengxin.consents.models import Consent
from chengxin.consents.rules import (
    CONSENTABLE,
    MAX_REASON_CHARS,
    PURPOSE_LABELS,
    ConsentStatus,
    clean_reason,
    parse_purpose,
    parse_scope,
    validity,
)
from chengxin.errors import ChengxinError, InvalidInput, NotFound
from chengxin.requesters.models import RequesterKind
from chengxin.requesters.service import list_requesters
from chengxin.web.i18n import N_
from chengxin.web.pages import GuardedPage, PageRequest
from chengxin.web.portal_forms import Checks, Messages, raw, see_other

router = APIRouter(include_in_schema=False)
Citizen = Annotated[Principal, allowed(Permission.OWN_CONSENTS_WRITE)]
LEVELS = {
    DisclosureLevel.PUBLIC: N_("Records open to the public (社会公开)"),
    DisclosureLevel.AUTHORISED: N_("Records shown only with my consent (授权查询)"),
}
CATEGORIES = {
    Category.BASIC: N_("Basic information"),
    Category.GOOD: N_("Good records (守信)"),
    Category.BAD: N_("Records of dishonesty (失信)"),
    Category.SERIOUS: N_("Records of serious dishonesty (严重失信)"),
}
STATES = {
    "active": N_("In force"),
    "not-yet": N_("Not yet in force"),
    "ended": N_("Ended"),
    "withdrawn": N_("Withdrawn"),
}
MESSAGES: Messages = {
    ("requester", "requester-kind"): N_(
        "Government departments query on a legal basis, not by consent: choose another"
    ),
    ("requester", "blacklisted"): N_(
        "This requester is on the violation blacklist (违规经营黑名单): no consent can be given"
    ),
    ("requester", None): N_("Choose one of the requesters shown"),
    ("purpose", None): N_("Choose one of the purposes shown"),
    ("levels", "scope-levels"): N_("Choose at least one kind of record"),
    ("levels", None): N_("Choose among the kinds of record shown"),
    ("categories", None): N_("Choose among the categories shown"),
    ("valid_from", "validity-past"): N_("The first day must not be in the past"),
    ("valid_from", None): N_("Give the first day as a date, for example 2026-12-01"),
    ("valid_until", "validity-past"): N_("The last day must not be in the past"),
    ("valid_until", "validity-order"): N_("The last day must not be before the first day"),
    ("valid_until", "validity-max-one-year"): N_(
        "A consent lasts at most one year: choose a last day within a year from today"
    ),
    ("valid_until", None): N_("Give the last day as a date, for example 2027-05-31"),
    ("reason", None): N_("Give a reason in 1 to 500 characters"),
    ("consent_id", "already-withdrawn"): N_("This consent is already withdrawn"),
}
FIELDS = ("requester", "purpose", "valid_from", "valid_until")
DONE = {"granted": N_("Your consent was given."), "withdrawn": N_("Your consent was withdrawn.")}
Raw = Annotated[str, raw(100)]


@dataclass(frozen=True)
class ConsentRow:
    id: uuid.UUID
    requester: str  # name (code)
    purpose: tuple[str, str]  # (zh, en)
    levels: list[str]
    categories: list[str]  # empty: every category
    first_day: dt.date
    last_day: dt.date
    state: str  # a key of STATES
    withdrawn_on: dt.date | None
    withdraw_reason: str | None


def _row(consent: Consent, requester: str, now: dt.datetime) -> ConsentRow:
    scope = service.scope_of(consent)
    start, end = consent.valid_from, consent.valid_until
    state = "withdrawn" if consent.status == ConsentStatus.WITHDRAWN else (
        "not-yet" if now < start else "ended" if now >= end else "active")  # fmt: skip
    return ConsentRow(
        id=consent.id, requester=requester, purpose=PURPOSE_LABELS[consent.purpose],
        levels=sorted(scope.levels), categories=sorted(scope.categories),
        first_day=china_today(start), last_day=china_today(end) - dt.timedelta(days=1),
        state=state, withdraw_reason=consent.withdraw_reason,
        withdrawn_on=china_today(consent.withdrawn_at) if consent.withdrawn_at else None,
    )  # fmt: skip


def _mine(session: Session, subject_id: uuid.UUID, now: dt.datetime) -> list[ConsentRow]:
    consents = service.consents_of(session, subject_id)
    requesters = service.requesters_by_id(session, consents)
    return [_row(c, f"{requesters[c.requester_id].name} ({requesters[c.requester_id].code})", now)
            for c in consents]  # fmt: skip


def _page(page: PageRequest, principal: Principal, status: int = 200, **context: Any) -> Response:
    rt = page.runtime
    subject_id = own_subject(principal, "consents")
    with rt.reads() as session:
        consents = _mine(session, subject_id, rt.clock())
        # The grant verb refuses government departments and blacklisted requesters as well.
        requesters = [(r.code, r.name) for r in list_requesters(session)
                      if r.kind != RequesterKind.GOVERNMENT_DEPARTMENT
                      and r.blacklisted_at is None]  # fmt: skip
    shown = {"values": {"levels": list(LEVELS), "categories": []}, "errors": {}, "done": None}
    shown |= context
    purposes = [(p, PURPOSE_LABELS[p]) for p in PURPOSE_LABELS if p in CONSENTABLE]
    return page.render("me_consents.html", status=status, consents=consents,
                       requesters=requesters, purposes=purposes, levels=LEVELS,
                       categories=CATEGORIES, states=STATES, **shown)  # fmt: skip


def _date(typed: str, name: str) -> dt.date | None:
    if not typed.strip():
        return None
    try:
        return dt.date.fromisoformat(typed.strip())
    except ValueError:
        raise InvalidInput("is not a date", field=name, rule="date") from None


@router.get("/me/consents", response_class=HTMLResponse)
def my_consents(
    page: GuardedPage, principal: Citizen, done: Annotated[str, Query(max_length=20)] = ""
) -> Response:
    return _page(page, principal, done=DONE.get(done))


@router.post("/me/consents", response_class=HTMLResponse)
def grant(  # noqa: PLR0917  (form fields are parameters)
    page: GuardedPage, principal: Citizen, requester: Raw = "", purpose: Raw = "",
    levels: Annotated[list[str], Form()] = [],  # noqa: B006  (FastAPI copies it)
    categories: Annotated[list[str], Form()] = [],  # noqa: B006
    valid_from: Raw = "", valid_until: Raw = "",
) -> Response:  # fmt: skip
    rt, now = page.runtime, page.runtime.clock()
    values = {"requester": requester, "purpose": purpose, "levels": levels,
              "categories": categories, "valid_from": valid_from,
              "valid_until": valid_until}  # fmt: skip
    checks = Checks(MESSAGES)
    if not requester.strip():  # the verb checks the rest of the requester
        checks.errors["requester"] = MESSAGES[("requester", None)]
    chosen = checks.run(lambda: parse_purpose(purpose))
    checks.run(lambda: parse_scope(levels, []))
    checks.run(lambda: parse_scope(list(LEVELS), categories))
    first = checks.run(lambda: _date(valid_from, "valid_from"))
    last = checks.run(lambda: _date(valid_until, "valid_until"))
    if last is None and "valid_until" not in checks.errors:
        checks.errors["valid_until"] = MESSAGES[("valid_until", None)]
    if last is not None and "valid_from" not in checks.errors:
        checks.run(lambda: validity(now, valid_until=last, valid_from=first))
    if not checks.errors and chosen is not None and last is not None:
        try:
            with rt.sessions() as session, session.begin():
                service.grant_consent(
                    session, rt.keys, now, subject_id=own_subject(principal, "consents"),
                    requester_code=requester.strip(), purpose=chosen,
                    scope=parse_scope(levels, categories), valid_until=last, valid_from=first,
                    actor=principal.actor,
                )  # fmt: skip
            return see_other("/me/consents?done=granted")
        except ChengxinError as refused:
            checks.refuse(refused)
    return _page(page, principal, 422, values=values, errors=checks.errors)


def _one(page: PageRequest, principal: Principal, consent_id: uuid.UUID) -> ConsentRow:
    rt = page.runtime
    subject_id = own_subject(principal, "consents")
    with rt.reads() as session:
        found = [c for c in _mine(session, subject_id, rt.clock()) if c.id == consent_id]
    if not found:  # another person's id is answered as unknown, as the verb does
        raise NotFound("no consent of yours has this id", field="consent_id")
    return found[0]


def _withdraw_page(page: PageRequest, consent: ConsentRow, status: int = 200,
                   **context: Any) -> Response:  # fmt: skip
    shown = {"reason": "", "errors": {}} | context
    return page.render("me_consent_withdraw.html", status=status, consent=consent,
                       levels=LEVELS, categories=CATEGORIES, states=STATES,
                       max_reason=MAX_REASON_CHARS, **shown)  # fmt: skip


@router.get("/me/consents/{consent_id}/withdraw", response_class=HTMLResponse)
def withdraw_form(page: GuardedPage, principal: Citizen, consent_id: uuid.UUID) -> Response:
    return _withdraw_page(page, _one(page, principal, consent_id))


@router.post("/me/consents/{consent_id}/withdraw", response_class=HTMLResponse)
def withdraw(
    page: GuardedPage, principal: Citizen, consent_id: uuid.UUID,
    reason: Annotated[str, raw(2 * MAX_REASON_CHARS)] = "",
) -> Response:  # fmt: skip
    consent = _one(page, principal, consent_id)
    checks = Checks(MESSAGES)
    if checks.run(lambda: clean_reason(reason)) is not None:
        rt = page.runtime
        try:
            with rt.sessions() as session, session.begin():
                service.withdraw_consent(
                    session, rt.keys, rt.clock(), consent_id=consent.id,
                    subject_id=own_subject(principal, "consents"), reason=reason,
                    actor=principal.actor,
                )  # fmt: skip
            return see_other("/me/consents?done=withdrawn")
        except ChengxinError as refused:
            checks.refuse(refused)
    return _withdraw_page(page, consent, 422, reason=reason, errors=checks.errors)
