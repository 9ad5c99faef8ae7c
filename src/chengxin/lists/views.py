"""A listing as the API shows it. Only the listed person sees the reasons and statements; staff
and sources see ids, states, dates and document numbers (no personal data)."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from chengxin.identity.models import Organisation, Subject
from chengxin.lists.models import ListEntry
from chengxin.lists.queries import steps_of
from chengxin.lists.rules import early_removal_from, in_effect
from chengxin.lists.service import ListContext, type_of
from chengxin.sealed import unseal


class StepOut(BaseModel):
    event: str
    from_state: str | None
    to_state: str
    at: dt.datetime
    actor: str | None = Field(description="Staff and sources only")
    reason: str | None = Field(description="The listed person only")
    document_number: str | None
    conditions: str | None
    ledger_index: int


class OrganisationOut(BaseModel):
    subject_id: uuid.UUID
    uscc: str
    name: str


class ListingOut(BaseModel):
    id: uuid.UUID
    list_type: str
    list_name_zh: str
    list_name_en: str
    kind: str
    state: str
    subject_id: uuid.UUID
    subject_kind: str
    org_entry_id: uuid.UUID | None = Field(description="The organisation's entry this derives from")
    org_role: str | None
    organisation: OrganisationOut | None = Field(description="Via which organisation (§6.2)")
    document_number: str
    decision_date: dt.date
    conduct_date: dt.date
    proposed_at: dt.datetime
    noticed_at: dt.datetime | None
    answer_deadline: dt.date | None = Field(description="Last day to answer (Beijing), inclusive")
    answer_deadline_provisional: bool
    answer_window_open: bool
    answered_at: dt.datetime | None
    effective_from: dt.date | None
    term_end: dt.date | None = Field(description="Last day in effect; null: until removed")
    in_effect: bool
    early_removal_from: dt.date | None = Field(
        description="First day early removal can be granted if its conditions hold"
    )
    removed_at: dt.datetime | None
    removal_reason: str | None
    reasons: str | None = Field(description="The listed person only")
    legal_basis: list[str]
    steps: list[StepOut]


def listing_view(
    session: Session, ctx: ListContext, entry: ListEntry, today: dt.date, *, person: bool
) -> ListingOut:
    kind = type_of(ctx, entry)
    subject = session.get_one(Subject, entry.subject_id)
    organisation = None
    if entry.via_organisation_id is not None:
        org = session.get_one(Organisation, entry.via_organisation_id)
        organisation = OrganisationOut(subject_id=org.id, uscc=org.uscc, name=org.name)
    steps = [
        StepOut(
            event=s.event, from_state=s.from_state, to_state=s.to_state, at=s.at,
            actor=None if person else s.actor,
            reason=unseal(ctx.keys, "list_steps", "reason_enc", s.id, s.reason_enc)
            if person and s.reason_enc else None,
            document_number=s.document_number, conditions=s.conditions,
            ledger_index=s.ledger_index,
        )
        for s in steps_of(session, entry.id)
    ]  # fmt: skip
    early = None
    if entry.effective_from is not None and entry.removed_at is None:
        early = early_removal_from(kind.early, entry.effective_from)
    return ListingOut(
        id=entry.id, list_type=entry.list_type, list_name_zh=kind.name.zh,
        list_name_en=kind.name.en, kind=str(entry.list_kind), state=str(entry.state),
        subject_id=entry.subject_id, subject_kind=str(subject.kind),
        org_entry_id=entry.org_entry_id, org_role=entry.org_role, organisation=organisation,
        document_number=entry.document_number, decision_date=entry.decision_date,
        conduct_date=entry.conduct_date, proposed_at=entry.proposed_at,
        noticed_at=entry.noticed_at, answer_deadline=entry.answer_deadline,
        answer_deadline_provisional=entry.answer_deadline_provisional,
        answer_window_open=entry.state == "noticed" and entry.answer_deadline is not None
        and today <= entry.answer_deadline,
        answered_at=entry.answered_at, effective_from=entry.effective_from,
        term_end=entry.term_end,
        in_effect=in_effect(entry.state, entry.effective_from, entry.term_end, today),
        early_removal_from=early, removed_at=entry.removed_at,
        removal_reason=entry.removal_reason,
        reasons=unseal(ctx.keys, "list_entries", "reasons_enc", entry.id, entry.reasons_enc)
        if person else None,
        legal_basis=[f"{b.instrument}{b.article}" for b in kind.legal_basis],
        steps=steps,
    )  # fmt: skip
