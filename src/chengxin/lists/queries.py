"""Who is on which list, on which date — the questions the measures check (issue F), reports and
disclosure ask. Reads only; a listing binds from its effective date through its term's last day,
and no longer from the day it was removed."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from chengxin.clock import CHINA_TZ
from chengxin.lists.models import ListEntry, ListStep
from chengxin.lists.rules import ListingState, ListKind


def in_effect_clause(on: dt.date) -> ColumnElement[bool]:
    """The entries binding on `on`: the one test of "in effect" for checks, reports and the
    public site alike."""
    next_day = dt.datetime.combine(on + dt.timedelta(days=1), dt.time(0), tzinfo=CHINA_TZ)
    return and_(
        ListEntry.state.in_([ListingState.LISTED, ListingState.REMOVED]),
        ListEntry.effective_from <= on,
        or_(ListEntry.term_end.is_(None), ListEntry.term_end >= on),
        or_(ListEntry.removed_at.is_(None), ListEntry.removed_at >= next_day),
    )


def in_effect_on(
    session: Session,
    subject_id: uuid.UUID,
    on: dt.date,
    *,
    kinds: Sequence[ListKind] | None = None,
) -> list[ListEntry]:
    """The list entries that bind `subject_id` on `on` (a Beijing date), past dates included:
    an entry removed later still bound on the days before its removal. For a person this
    includes entries that reach them through an organisation (`via_organisation_id`)."""
    query = select(ListEntry).where(ListEntry.subject_id == subject_id, in_effect_clause(on))
    if kinds:
        query = query.where(ListEntry.list_kind.in_(list(kinds)))
    return list(session.scalars(query.order_by(ListEntry.effective_from, ListEntry.id)))


def listings_of(
    session: Session, subject_id: uuid.UUID, *, on: dt.date | None = None
) -> list[ListEntry]:
    """Every entry about a subject, in any state, newest first; with `on`, only those in effect
    on that date (as `in_effect_on`)."""
    if on is not None:
        return in_effect_on(session, subject_id, on)
    return list(
        session.scalars(
            select(ListEntry)
            .where(ListEntry.subject_id == subject_id)
            .order_by(ListEntry.proposed_at.desc(), ListEntry.id)
        )
    )


def list_members(session: Session, list_type: str, on: dt.date) -> list[uuid.UUID]:
    """The subject ids on a list on a date (each once, whichever way they reached it)."""
    return list(
        session.scalars(
            select(ListEntry.subject_id)
            .where(ListEntry.list_type == list_type, in_effect_clause(on))
            .distinct()
            .order_by(ListEntry.subject_id)
        )
    )


def find_listings(
    session: Session,
    *,
    list_type: str | None = None,
    state: ListingState | None = None,
    source_id: uuid.UUID | None = None,
    limit: int = 200,
) -> list[ListEntry]:
    """Entries for the staff's or a source's view, the newest first."""
    query = select(ListEntry)
    if list_type is not None:
        query = query.where(ListEntry.list_type == list_type)
    if state is not None:
        query = query.where(ListEntry.state == state)
    if source_id is not None:
        query = query.where(ListEntry.source_id == source_id)
    order = (ListEntry.proposed_at.desc(), ListEntry.org_entry_id.is_not(None), ListEntry.id)
    return list(session.scalars(query.order_by(*order).limit(limit)))


def steps_of(session: Session, entry_id: uuid.UUID) -> list[ListStep]:
    return list(
        session.scalars(
            select(ListStep)
            .where(ListStep.entry_id == entry_id)
            .order_by(ListStep.at, ListStep.ledger_index)
        )
    )
