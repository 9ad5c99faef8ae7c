"""Listing verbs (R-6.1, R-6.3): propose (with the notice, 告知), answer (陈述申辩), confirm,
withdraw, remove. One verb, one transaction (the caller's); each step writes its row, its ledger
entry `listing` and the person's notice. An organisation's listing reaches its legal
representative and responsible persons as entries of their own (§6.2, 落实到人)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.clock import china_today
from chengxin.collection.models import Source
from chengxin.collection.sources import granted_items
from chengxin.errors import Conflict, Forbidden, InvalidInput, NotFound
from chengxin.identity.models import OrgRole, Subject, SubjectKind
from chengxin.identity.organisations import responsible_people
from chengxin.keys import KeyRing
from chengxin.lists.models import ListEntry
from chengxin.lists.rules import (
    OPEN,
    Condition,
    ListingEvent,
    ListingState,
    RemovalReason,
    answer_refusal,
    answer_window,
    confirm_refusal,
    early_removal_refusals,
    next_state,
    term_end,
)
from chengxin.lists.steps import advance_or_refuse, clean_text, record_step, tell
from chengxin.lists.types import ListType, ListTypes
from chengxin.sealed import seal
from chengxin.workdays.rules import Calendar

MAX_DOCUMENT = 100


@dataclass(frozen=True)
class ListContext:
    """What every listing verb needs beside the session and the time."""

    keys: KeyRing
    calendar: Calendar
    types: ListTypes


# --- reading one entry ----------------------------------------------------------------------


def get_entry(
    session: Session,
    entry_id: uuid.UUID,
    *,
    subject_id: uuid.UUID | None = None,
    source_id: uuid.UUID | None = None,
) -> ListEntry:
    """An entry; a person or source sees only their own (others' ids are not confirmed)."""
    entry = session.get(ListEntry, entry_id)
    if (
        entry is None
        or (subject_id is not None and entry.subject_id != subject_id)
        or (source_id is not None and entry.source_id != source_id)
    ):
        raise NotFound("no listing has this id", field="listing_id")
    return entry


def derived_entries(session: Session, org_entry_id: uuid.UUID) -> list[ListEntry]:
    """The entries by which an organisation's listing reaches its people."""
    return list(
        session.scalars(
            select(ListEntry)
            .where(ListEntry.org_entry_id == org_entry_id)
            .order_by(ListEntry.org_role, ListEntry.id)
        )
    )


def type_of(ctx: ListContext, entry: ListEntry) -> ListType:
    return ctx.types.version(entry.list_type, entry.type_effective_from)


# --- propose (and notice) -------------------------------------------------------------------


def _check_designation(session: Session, kind: ListType, source_id: uuid.UUID) -> None:
    """谁认定: only a source of the kinds the type names, holding a grant for one of its items."""
    source = session.get(Source, source_id)
    if source is None:
        raise NotFound("no source has this id", field="source_id")
    rule = kind.designated_by
    if source.kind not in rule.source_kinds:
        allowed = ", ".join(k.value for k in rule.source_kinds)
        raise Forbidden(f"list {kind.code} is designated by {allowed} only",
                        field="list_type", rule="designated-by")  # fmt: skip
    if rule.items and not set(rule.items) & set(granted_items(session, source_id)):
        raise Forbidden(
            f"list {kind.code} needs a grant for one of {', '.join(rule.items)}",
            field="list_type", rule="designated-by",
        )  # fmt: skip


def _notice_texts(kind: ListType, entry: ListEntry) -> tuple[tuple[str, str], tuple[str, str]]:
    basis = "；".join(f"{b.instrument}{b.article}" for b in kind.legal_basis)
    if entry.answer_deadline is None:
        rights_zh = "对列入有异议的，可以依法申请行政复议、提起行政诉讼或者提出异议。"
        rights_en = "You may object, or seek reconsideration or judicial review, by law."
    else:
        rights_zh = (f"您有权在 {entry.answer_deadline} 前（含当日）通过“我的名单”进行陈述、申辩；"
                     "逾期未提出的，视为放弃。")  # fmt: skip
        rights_en = (f"You may state your case under 'my listings' until {entry.answer_deadline} "
                     "(inclusive); after that the listing can take effect.")  # fmt: skip
    via = ""
    if entry.via_organisation_id is not None:
        via = "（因您在相关单位担任法定代表人或负责人，落实到人）"
    zh = (f"拟将您列入“{kind.name.zh}”{via}。依据：{basis}。决定文书：{entry.document_number}。"
          f"列入事由见“我的名单”。{rights_zh}")  # fmt: skip
    en = (
        f"You are to be placed on the list '{kind.name.en}'"
        f"{' as a person answering for an organisation' if via else ''}. Legal basis: {basis}. "
        f"Document {entry.document_number}. The reasons are under 'my listings'. {rights_en}"
    )
    title = (f"列入名单告知：{kind.name.zh}", f"Notice of listing: {kind.name.en}")
    return title, (zh, en)


def _new_entry(
    session: Session,
    ctx: ListContext,
    now: dt.datetime,
    *,
    kind: ListType,
    subject_id: uuid.UUID,
    source_id: uuid.UUID,
    document_number: str,
    decision_date: dt.date,
    conduct_date: dt.date,
    reasons: str,
    actor: str,
    org_entry: ListEntry | None = None,
    org_role: OrgRole | None = None,
) -> ListEntry:
    entry_id = uuid.uuid4()
    entry = ListEntry(
        id=entry_id, list_type=kind.code, type_effective_from=kind.effective_from,
        list_kind=kind.kind, subject_id=subject_id, state=ListingState.PROPOSED, version=1,
        via_organisation_id=org_entry.subject_id if org_entry else None,
        org_entry_id=org_entry.id if org_entry else None, org_role=org_role,
        source_id=source_id, document_number=document_number, decision_date=decision_date,
        conduct_date=conduct_date,
        reasons_enc=seal(ctx.keys, "list_entries", "reasons_enc", entry_id, reasons),
        proposed_at=now, proposed_by=actor[:100], answer_deadline_provisional=False,
    )  # fmt: skip
    session.add(entry)
    session.flush()
    record_step(session, ctx.keys, now, entry=entry, event="propose", from_state=None,
                actor=actor, document_number=document_number)  # fmt: skip
    _notice(session, ctx, now, entry=entry, kind=kind, actor=actor)
    return entry


def _notice(
    session: Session, ctx: ListContext, now: dt.datetime, *, entry: ListEntry, kind: ListType,
    actor: str,
) -> None:  # fmt: skip
    """告知: the notice with reasons, legal basis and rights; the answer window starts."""
    before = entry.state
    after = next_state(before, ListingEvent.NOTICE)
    window = answer_window(ctx.calendar, china_today(now), kind.notice_workdays)
    advance_or_refuse(session, entry, {
        "state": after, "noticed_at": now,
        "answer_deadline": window.deadline if window else None,
        "answer_deadline_provisional": window.provisional if window else False,
    })  # fmt: skip
    record_step(session, ctx.keys, now, entry=entry, event="notice", from_state=before,
                actor=actor, document_number=entry.document_number)  # fmt: skip
    title, body = _notice_texts(kind, entry)
    tell(session, ctx.keys, now, entry=entry, topic="listing.noticed", title=title, body=body)


def _open_entry(session: Session, list_type: str, subject_id: uuid.UUID) -> uuid.UUID | None:
    return session.scalar(
        select(ListEntry.id).where(
            ListEntry.list_type == list_type,
            ListEntry.subject_id == subject_id,
            ListEntry.org_entry_id.is_(None),
            ListEntry.state.in_([*OPEN, ListingState.LISTED]),
        )
    )


def propose_listing(
    session: Session,
    ctx: ListContext,
    now: dt.datetime,
    *,
    source_id: uuid.UUID,
    list_type: str,
    subject_id: uuid.UUID,
    document_number: str,
    decision_date: dt.date,
    reasons: str,
    actor: str,
    conduct_date: dt.date | None = None,
) -> ListEntry:
    """A designating source proposes to list a person or an organisation; the notice (告知)
    goes out at once and the answer window starts. For an organisation on a list that reaches
    people, each legal representative and responsible person who held the role on the date of
    the conduct gets an entry of their own, linked to the organisation's, with its own notice."""
    today = china_today(now)
    kind = ctx.types.in_force(list_type, today)
    document = clean_text(document_number, "document_number", limit=MAX_DOCUMENT, lines=False)
    text = clean_text(reasons, "reasons", minimum=5)
    if decision_date > today:
        raise InvalidInput("must not be in the future", field="decision_date", rule="future")
    conduct = conduct_date or decision_date
    if conduct > decision_date:
        raise InvalidInput("must not be after the decision", field="conduct_date", rule="order")
    _check_designation(session, kind, source_id)
    subject = session.get(Subject, subject_id)
    if subject is None:
        raise NotFound("no subject has this id", field="subject")
    if subject.kind not in kind.subjects:
        raise InvalidInput(f"list {kind.code} does not take a {subject.kind.value}",
                           field="subject", rule="subject-kind")  # fmt: skip
    if _open_entry(session, kind.code, subject_id) is not None:
        raise Conflict(f"already proposed for or on list {kind.code}", field="subject",
                       rule="already-listed")  # fmt: skip
    common: dict[str, Any] = {
        "kind": kind, "source_id": source_id, "document_number": document,
        "decision_date": decision_date, "conduct_date": conduct, "reasons": text, "actor": actor,
    }  # fmt: skip
    entry = _new_entry(session, ctx, now, subject_id=subject_id, **common)
    if subject.kind is SubjectKind.ORGANISATION and kind.reach_people:
        people: dict[uuid.UUID, OrgRole] = {}
        for person_id, role in responsible_people(session, subject_id, conduct):
            if people.get(person_id) is not OrgRole.LEGAL_REPRESENTATIVE:  # one entry a person
                people[person_id] = role
        for person_id, role in sorted(people.items(), key=lambda p: (p[1], str(p[0]))):
            _new_entry(session, ctx, now, subject_id=person_id, org_entry=entry, org_role=role,
                       **common)  # fmt: skip
    return entry


# --- the person's answer (陈述申辩) ---------------------------------------------------------


def answer_notice(
    session: Session,
    ctx: ListContext,
    now: dt.datetime,
    *,
    entry_id: uuid.UUID,
    subject_id: uuid.UUID,
    statement: str,
    actor: str,
) -> ListEntry:
    """The person states their case within the window; the designating source must consider it
    and may then confirm or withdraw (it can take effect before the window ends only then)."""
    entry = get_entry(session, entry_id, subject_id=subject_id)
    text = clean_text(statement, "statement", minimum=5)
    refusal = answer_refusal(entry.state, entry.answer_deadline, china_today(now))
    if refusal is not None:
        raise Conflict(_REFUSALS.get(refusal, refusal), field="state", rule=refusal)
    before = entry.state
    advance_or_refuse(session, entry, {"state": next_state(before, ListingEvent.ANSWER),
                                       "answered_at": now})  # fmt: skip
    record_step(session, ctx.keys, now, entry=entry, event="answer", from_state=before,
                actor=actor, reason=text)  # fmt: skip
    kind = type_of(ctx, entry)
    body = (
        f"您对列入“{kind.name.zh}”的陈述申辩已送认定单位核查。",
        f"Your statement on '{kind.name.en}' was sent to the designating body.",
    )
    title = ("您的陈述申辩已提交", "Your statement was received")
    tell(session, ctx.keys, now, entry=entry, topic="listing.answered", title=title, body=body)
    return entry


_REFUSALS = {
    "answer-window-open": "the answer window is open and the person has not answered",
    "answer-window-closed": "the answer window has closed",
    "no-answer-window": "this list's notice only informs; it has no answer window",
    "listing-transition": "the listing is not in a state for this step",
}


# --- confirm, withdraw ----------------------------------------------------------------------


def _confirm_one(
    session: Session, ctx: ListContext, now: dt.datetime, *, entry: ListEntry, actor: str,
    document_number: str | None,
) -> None:  # fmt: skip
    today = china_today(now)
    refusal = confirm_refusal(entry.state, entry.answer_deadline, today)
    if refusal is not None:
        detail = _REFUSALS[refusal]
        if refusal == "answer-window-open":
            detail = f"{detail} (it runs until {entry.answer_deadline})"
        raise Conflict(detail, field="state", rule=refusal)
    kind = type_of(ctx, entry)
    before = entry.state
    end = term_end(today, kind.term_months)
    advance_or_refuse(session, entry, {"state": next_state(before, ListingEvent.CONFIRM),
                                       "effective_from": today, "term_end": end})  # fmt: skip
    record_step(session, ctx.keys, now, entry=entry, event="confirm", from_state=before,
                actor=actor, document_number=document_number)  # fmt: skip
    until = f"，期限至 {end}" if end else "，至依法移出时止"
    until_en = f" until {end}" if end else " until removed"
    body = (
        f"自 {today} 起列入“{kind.name.zh}”{until}。"
        "对决定不服的，可以依法申请行政复议或者提起行政诉讼。",
        f"On the list '{kind.name.en}' from {today}{until_en}. You may seek "
        "administrative reconsideration or judicial review of the decision.",
    )
    title = (f"已列入：{kind.name.zh}", f"Listed: {kind.name.en}")
    tell(session, ctx.keys, now, entry=entry, topic="listing.listed", title=title, body=body)


def confirm_listing(
    session: Session,
    ctx: ListContext,
    now: dt.datetime,
    *,
    entry_id: uuid.UUID,
    actor: str,
    source_id: uuid.UUID | None = None,
    document_number: str | None = None,
) -> ListEntry:
    """The listing takes effect today: refused while the answer window is open unless the
    person answered. `source_id` None: the platform's operator. An organisation's confirmation
    carries to the entries of its people that are still waiting with their window over; a
    person who answered is decided on their own (confirm or withdraw that entry)."""
    entry = get_entry(session, entry_id, source_id=source_id)
    document = (clean_text(document_number, "document_number", limit=MAX_DOCUMENT, lines=False)
                if document_number else None)  # fmt: skip
    if entry.org_entry_id is not None:  # a person reached through an organisation follows it
        org_state = session.get_one(ListEntry, entry.org_entry_id).state
        if org_state is not ListingState.LISTED:
            raise Conflict(f"the organisation's listing is {org_state}, not listed",
                           field="state", rule="organisation-not-listed")  # fmt: skip
    _confirm_one(session, ctx, now, entry=entry, actor=actor, document_number=document)
    today = china_today(now)
    for person in derived_entries(session, entry.id):
        if (
            person.state is ListingState.NOTICED
            and confirm_refusal(person.state, person.answer_deadline, today) is None
        ):
            _confirm_one(session, ctx, now, entry=person, actor=actor, document_number=document)
    return entry


def _withdraw_one(
    session: Session, ctx: ListContext, now: dt.datetime, *, entry: ListEntry, actor: str,
    reason: str,
) -> None:  # fmt: skip
    before = entry.state
    advance_or_refuse(session, entry, {"state": next_state(before, ListingEvent.WITHDRAW)})
    record_step(session, ctx.keys, now, entry=entry, event="withdraw", from_state=before,
                actor=actor, reason=reason)  # fmt: skip
    kind = type_of(ctx, entry)
    body = (
        f"认定单位决定不将您列入“{kind.name.zh}”。",
        f"The designating body decided not to place you on '{kind.name.en}'.",
    )
    title = (f"不予列入：{kind.name.zh}", f"Not listed: {kind.name.en}")
    tell(session, ctx.keys, now, entry=entry, topic="listing.withdrawn", title=title, body=body)


def withdraw_listing(
    session: Session,
    ctx: ListContext,
    now: dt.datetime,
    *,
    entry_id: uuid.UUID,
    source_id: uuid.UUID,
    reason: str,
    actor: str,
) -> ListEntry:
    """The designating source drops a proposal before it takes effect (after the person's answer
    or on its own review); an organisation's proposal takes its people's entries with it."""
    entry = get_entry(session, entry_id, source_id=source_id)
    text = clean_text(reason, "reason")
    _withdraw_one(session, ctx, now, entry=entry, actor=actor, reason=text)
    for person in derived_entries(session, entry.id):
        if person.state in OPEN:
            _withdraw_one(session, ctx, now, entry=person, actor=actor, reason=text)
    return entry


# --- removal --------------------------------------------------------------------------------


_REMOVED_ZH = {
    RemovalReason.TERM_EXPIRED: "列入期限届满",
    RemovalReason.EARLY_REMOVAL: "符合提前移出条件",
    RemovalReason.DECISION: "依决定",
}


def remove_one(
    session: Session,
    ctx: ListContext,
    now: dt.datetime,
    *,
    entry: ListEntry,
    why: RemovalReason,
    actor: str,
    reason: str | None = None,
    document_number: str | None = None,
    conditions: str | None = None,
) -> None:
    """Move one listed entry to removed, with its step, ledger entry and notice (the expiry job
    uses this too: a stale entry is refused, and the job counts it as done by another)."""
    event = ListingEvent.EXPIRE if why is RemovalReason.TERM_EXPIRED else ListingEvent.REMOVE
    before = entry.state
    advance_or_refuse(session, entry, {"state": next_state(before, event), "removed_at": now,
                                       "removal_reason": why})  # fmt: skip
    record_step(session, ctx.keys, now, entry=entry, event=f"{event}", from_state=before,
                actor=actor, reason=reason, document_number=document_number,
                conditions=conditions)  # fmt: skip
    kind = type_of(ctx, entry)
    day = china_today(now)
    body = (
        f"{_REMOVED_ZH[why]}，您已于 {day} 移出“{kind.name.zh}”。",
        f"You were removed from '{kind.name.en}' on {day} ({why.value}).",
    )
    title = (f"已移出：{kind.name.zh}", f"Removed from: {kind.name.en}")
    tell(session, ctx.keys, now, entry=entry, topic="listing.removed", title=title, body=body)


def remove_listing(
    session: Session,
    ctx: ListContext,
    now: dt.datetime,
    *,
    entry_id: uuid.UUID,
    why: RemovalReason,
    reason: str,
    actor: str,
    source_id: uuid.UUID | None = None,
    document_number: str | None = None,
    conditions: list[Condition] | None = None,
    corrected_on: dt.date | None = None,
) -> ListEntry:
    """Remove a listing in effect by decision (撤销、复议、诉讼、错误 …) or by early removal when
    the type's conditions hold (the source attests them: 谁认定、谁移出). `source_id` None: the
    operator. An organisation's removal takes its people's entries in effect with it."""
    if why is RemovalReason.TERM_EXPIRED:
        raise InvalidInput("term expiry is the job's, not a decision", field="why", rule="enum")
    entry = get_entry(session, entry_id, source_id=source_id)
    text = clean_text(reason, "reason")
    document = (clean_text(document_number, "document_number", limit=MAX_DOCUMENT, lines=False)
                if document_number else None)  # fmt: skip
    attested = sorted(set(conditions or []))
    noted = None
    if why is RemovalReason.EARLY_REMOVAL:
        if entry.state is not ListingState.LISTED or entry.effective_from is None:
            raise Conflict(_REFUSALS["listing-transition"], field="state",
                           rule="listing-transition")  # fmt: skip
        unmet = early_removal_refusals(
            type_of(ctx, entry).early, effective_from=entry.effective_from,
            today=china_today(now), attested=attested, corrected_on=corrected_on,
        )  # fmt: skip
        if unmet:
            raise Conflict(f"early removal is not possible yet: {', '.join(unmet)}",
                           field="conditions", rule=unmet[0])  # fmt: skip
        noted = ",".join(c.value for c in attested)
        if corrected_on is not None:
            noted += f" corrected_on={corrected_on.isoformat()}"
    step: dict[str, Any] = {"why": why, "actor": actor, "reason": text,
                            "document_number": document, "conditions": noted}  # fmt: skip
    remove_one(session, ctx, now, entry=entry, **step)
    for person in derived_entries(session, entry.id):
        if person.state is ListingState.LISTED:
            remove_one(session, ctx, now, entry=person, **step)
    return entry
