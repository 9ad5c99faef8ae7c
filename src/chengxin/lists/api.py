"""List routes (R-6.1, R-6.3): a designating source proposes, confirms, withdraws and removes;
the operator may confirm and remove too; the person reads their listings and answers a notice;
staff read; anyone reads the list types."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from chengxin.access.deps import allowed, source_of
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.clock import china_today
from chengxin.errors import Forbidden, InvalidInput, NotFound
from chengxin.identity.models import Organisation
from chengxin.identity.numbers import parse_uscc
from chengxin.identity.service import find_person
from chengxin.lists import queries, service
from chengxin.lists.rules import Condition, ListingState, RemovalReason
from chengxin.lists.service import ListContext
from chengxin.lists.types import ListType, shipped_types
from chengxin.lists.views import ListingOut, listing_view
from chengxin.problems import GUARDED, NO_NUL, problem_responses
from chengxin.runtime import Runtime, runtime_of

router = APIRouter(prefix="/api/v1", tags=["lists"], responses=GUARDED, dependencies=NO_NUL)
Source = Annotated[Principal, allowed(Permission.SOURCE_LISTINGS)]
Operator = Annotated[Principal, allowed(Permission.LISTS_MANAGE)]
Reader = Annotated[Principal, allowed(Permission.LISTS_READ)]
Person = Annotated[Principal, allowed(Permission.OWN_LISTING_ANSWER)]
Public = Annotated[Principal, allowed(Permission.CATALOG_READ)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProposeIn(_In):
    list_type: str = Field(max_length=64, description="A list type code (GET /api/v1/list-types)")
    id_number: str | None = Field(default=None, max_length=32, description="A person: ID number")
    uscc: str | None = Field(default=None, max_length=32, description="An organisation: USCC")
    document_number: str = Field(max_length=100, description="The decision or notice number")
    decision_date: dt.date
    conduct_date: dt.date | None = Field(
        default=None, description="Whose roles an organisation's listing reaches; default: decision"
    )
    reasons: str = Field(max_length=2000, description="Reasons and facts (sealed; told the person)")


class ProposalOut(BaseModel):
    entry: ListingOut
    reaches: list[ListingOut] = Field(description="Entries of the organisation's people (§6.2)")


class ConfirmIn(_In):
    document_number: str | None = Field(default=None, max_length=100)


class ReasonIn(_In):
    reason: str = Field(max_length=2000)


class RemoveIn(_In):
    why: Literal["early_removal", "decision"]
    reason: str = Field(max_length=2000)
    document_number: str | None = Field(default=None, max_length=100)
    conditions: list[Condition] = Field(
        default_factory=list, max_length=10, description="Early removal: the conditions attested"
    )
    corrected_on: dt.date | None = Field(default=None, description="Early removal: correction date")


class AnswerIn(_In):
    statement: str = Field(max_length=2000, description="陈述申辩: the person's statement")


def _ctx(rt: Runtime) -> ListContext:
    return ListContext(rt.keys, rt.workdays, shipped_types())


def _subject(principal: Principal) -> uuid.UUID:
    if principal.subject_id is None:
        raise Forbidden("only a person's own account can do this", field="role", rule="citizen")
    return principal.subject_id


def _find_subject(session: Any, rt: Runtime, body: ProposeIn, today: dt.date) -> uuid.UUID:
    if (body.id_number is None) == (body.uscc is None):
        raise InvalidInput("give exactly one of id_number and uscc", field="subject",
                           rule="one-subject")  # fmt: skip
    if body.id_number is not None:
        found = find_person(session, rt.keys, body.id_number, today)
        if found is None:
            raise NotFound("no person with this ID number is registered", field="id_number")
        return found
    code = parse_uscc(body.uscc or "").normalized
    org: uuid.UUID | None = session.scalar(select(Organisation.id).where(Organisation.uscc == code))
    if org is None:
        raise NotFound("no organisation with this USCC is registered", field="uscc")
    return org


def _view(rt: Runtime, session: Any, entry: Any, *, person: bool = False) -> ListingOut:
    return listing_view(session, _ctx(rt), entry, china_today(rt.clock()), person=person)


# --- sources (谁认定) -----------------------------------------------------------------------


@router.post("/listings", status_code=201, response_model=ProposalOut,
             responses=problem_responses(404, 409),
             summary="Propose a listing; the notice (告知) goes out at once")  # fmt: skip
def propose(request: Request, principal: Source, body: ProposeIn) -> ProposalOut:
    rt = runtime_of(request)
    now = rt.clock()
    with rt.sessions() as session, session.begin():
        subject_id = _find_subject(session, rt, body, china_today(now))
        entry = service.propose_listing(
            session, _ctx(rt), now, source_id=source_of(principal), list_type=body.list_type,
            subject_id=subject_id, document_number=body.document_number,
            decision_date=body.decision_date, conduct_date=body.conduct_date,
            reasons=body.reasons, actor=principal.actor,
        )  # fmt: skip
        reaches = service.derived_entries(session, entry.id)
        return ProposalOut(entry=_view(rt, session, entry),
                           reaches=[_view(rt, session, e) for e in reaches])  # fmt: skip


@router.get("/source/listings", response_model=list[ListingOut], summary="My source's listings")
def source_listings(
    request: Request,
    principal: Source,
    state: ListingState | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[ListingOut]:
    rt = runtime_of(request)
    with rt.reads() as session:
        found = queries.find_listings(session, state=state, source_id=source_of(principal),
                                      limit=limit)  # fmt: skip
        return [_view(rt, session, e) for e in found]


@router.post("/listings/{entry_id}/confirm", response_model=ListingOut,
             responses=problem_responses(404, 409),
             summary="The listing takes effect (after the window, or the answer)")  # fmt: skip
def confirm(
    request: Request, principal: Source, entry_id: uuid.UUID, body: ConfirmIn
) -> ListingOut:
    rt = runtime_of(request)
    with rt.sessions() as session, session.begin():
        entry = service.confirm_listing(
            session, _ctx(rt), rt.clock(), entry_id=entry_id, source_id=source_of(principal),
            actor=principal.actor, document_number=body.document_number,
        )  # fmt: skip
        return _view(rt, session, entry)


@router.post("/listings/{entry_id}/withdraw", response_model=ListingOut,
             responses=problem_responses(404, 409),
             summary="Drop a proposal before it takes effect")  # fmt: skip
def withdraw(
    request: Request, principal: Source, entry_id: uuid.UUID, body: ReasonIn
) -> ListingOut:
    rt = runtime_of(request)
    with rt.sessions() as session, session.begin():
        entry = service.withdraw_listing(
            session, _ctx(rt), rt.clock(), entry_id=entry_id, source_id=source_of(principal),
            reason=body.reason, actor=principal.actor,
        )  # fmt: skip
        return _view(rt, session, entry)


def _remove(
    rt: Runtime, principal: Principal, entry_id: uuid.UUID, body: RemoveIn,
    source_id: uuid.UUID | None,
) -> ListingOut:  # fmt: skip
    with rt.sessions() as session, session.begin():
        entry = service.remove_listing(
            session, _ctx(rt), rt.clock(), entry_id=entry_id, why=RemovalReason(body.why),
            reason=body.reason, actor=principal.actor, source_id=source_id,
            document_number=body.document_number, conditions=body.conditions,
            corrected_on=body.corrected_on,
        )  # fmt: skip
        return _view(rt, session, entry)


@router.post("/listings/{entry_id}/remove", response_model=ListingOut,
             responses=problem_responses(404, 409),
             summary="Remove by decision, or early when the conditions hold")  # fmt: skip
def remove(request: Request, principal: Source, entry_id: uuid.UUID, body: RemoveIn) -> ListingOut:
    return _remove(runtime_of(request), principal, entry_id, body, source_of(principal))


# --- the platform's operator ----------------------------------------------------------------


@router.post("/staff/listings/{entry_id}/confirm", response_model=ListingOut,
             responses=problem_responses(404, 409),
             summary="The platform confirms a listing")  # fmt: skip
def staff_confirm(
    request: Request, staff: Operator, entry_id: uuid.UUID, body: ConfirmIn
) -> ListingOut:
    rt = runtime_of(request)
    with rt.sessions() as session, session.begin():
        entry = service.confirm_listing(
            session, _ctx(rt), rt.clock(), entry_id=entry_id, actor=staff.actor,
            document_number=body.document_number,
        )  # fmt: skip
        return _view(rt, session, entry)


@router.post("/staff/listings/{entry_id}/remove", response_model=ListingOut,
             responses=problem_responses(404, 409),
             summary="The platform removes a listing")  # fmt: skip
def staff_remove(
    request: Request, staff: Operator, entry_id: uuid.UUID, body: RemoveIn
) -> ListingOut:
    return _remove(runtime_of(request), staff, entry_id, body, None)


# --- staff reading --------------------------------------------------------------------------


@router.get("/listings", response_model=list[ListingOut], summary="Listings by type and state")
def staff_listings(
    request: Request,
    _staff: Reader,
    list_type: Annotated[str | None, Query(alias="type", max_length=64)] = None,
    state: ListingState | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[ListingOut]:
    rt = runtime_of(request)
    with rt.reads() as session:
        found = queries.find_listings(session, list_type=list_type, state=state, limit=limit)
        return [_view(rt, session, e) for e in found]


@router.get(
    "/listings/{entry_id}",
    response_model=ListingOut,
    summary="One listing and its steps",
    responses=problem_responses(404),
)
def staff_listing(request: Request, _staff: Reader, entry_id: uuid.UUID) -> ListingOut:
    rt = runtime_of(request)
    with rt.reads() as session:
        return _view(rt, session, service.get_entry(session, entry_id))


# --- the person -----------------------------------------------------------------------------


@router.get("/me/listings", response_model=list[ListingOut], summary="My listings and notices")
def my_listings(request: Request, principal: Person) -> list[ListingOut]:
    rt = runtime_of(request)
    with rt.reads() as session:
        found = queries.listings_of(session, _subject(principal))
        return [_view(rt, session, e, person=True) for e in found]


@router.post("/me/listings/{entry_id}/answer", response_model=ListingOut,
             responses=problem_responses(404, 409),
             summary="State my case (陈述申辩) within the answer window")  # fmt: skip
def answer(request: Request, principal: Person, entry_id: uuid.UUID, body: AnswerIn) -> ListingOut:
    rt = runtime_of(request)
    with rt.sessions() as session, session.begin():
        entry = service.answer_notice(
            session, _ctx(rt), rt.clock(), entry_id=entry_id, subject_id=_subject(principal),
            statement=body.statement, actor=principal.actor,
        )  # fmt: skip
        return _view(rt, session, entry, person=True)


# --- the list types (public rules) ----------------------------------------------------------


class ListTypeOut(BaseModel):
    code: str
    effective_from: dt.date
    kind: str
    name_zh: str
    name_en: str
    legal_basis: list[str]
    criteria_zh: str
    designated_by: list[str]
    subjects: list[str]
    reach_people: bool
    term_months: int | None
    early_removal: dict[str, Any] | None
    notice_workdays: int


def type_view(kind: ListType) -> ListTypeOut:
    early = kind.early_removal
    return ListTypeOut(
        code=kind.code, effective_from=kind.effective_from, kind=str(kind.kind),
        name_zh=kind.name.zh, name_en=kind.name.en,
        legal_basis=[f"{b.instrument}{b.article}" for b in kind.legal_basis],
        criteria_zh=kind.criteria.zh,
        designated_by=[*(k.value for k in kind.designated_by.source_kinds),
                       *kind.designated_by.items],
        subjects=[s.value for s in kind.subjects], reach_people=kind.reach_people,
        term_months=kind.term_months,
        early_removal=early.model_dump(mode="json") if early else None,
        notice_workdays=kind.notice_workdays,
    )  # fmt: skip


@router.get("/list-types", response_model=list[ListTypeOut], summary="List types in force")
def list_types(request: Request, _anyone: Public) -> list[ListTypeOut]:
    today = china_today(runtime_of(request).clock())
    return [type_view(t) for t in shipped_types().current(today)]
