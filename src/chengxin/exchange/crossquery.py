"""The national node's side of a cross-region query (互查, R-5.2): a regional node asks, on a query
its own door allowed, what the other regions (and the national node itself) hold about a person.

The asking node checked role, purpose and consent or legal basis, and says what its view allows;
this node trusts that decision as far as a government view goes and never further: no expired or
repaired records (those are the person's, seen at the origin), no government-shared ones on a
consent, and a consent or legal basis for every purpose but the person's own. It registers the
query in its own register (refusals too) and records a share with the asking node for every
record it answers with, so that a later correction, revocation or repair reaches the asker too
(R-4.4). The asker's own records are never sent back to it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from chengxin.access.principal import Principal
from chengxin.catalog.vocab import Category, DisclosureLevel
from chengxin.clock import china_today
from chengxin.consents.rules import Purpose
from chengxin.errors import ChengxinError, Forbidden
from chengxin.exchange.messages import RecordVersionMessage
from chengxin.exchange.outbox_messages import current_message
from chengxin.identity.service import find_person
from chengxin.keys import KeyRing
from chengxin.queries.rules import RecordFacts, View, visible
from chengxin.queries.service import parse_purpose, register_node_query
from chengxin.records.models import Record, RecordShare, RecordVersion
from chengxin.texts import clean_text

MAX_REQUESTER_CHARS = 100
MAX_BASIS_CHARS = 200


@dataclass(frozen=True)
class CrossQuery:
    """A regional node's question, checked: whom, why, for whom, on which consent or legal
    basis, and what its own view allows."""

    id_number: str
    purpose: Purpose
    requester: str
    consent_id: uuid.UUID | None
    legal_basis: str | None
    levels: frozenset[DisclosureLevel]
    categories: frozenset[Category] | None  # None: every category
    unpublicised: bool


@dataclass(frozen=True)
class Served:
    query_id: uuid.UUID  # the entry in this node's register
    found: bool  # the person is in this node's identity registry
    records: list[RecordVersionMessage]


def parse_query(
    *,
    id_number: str,
    purpose: str,
    requester: str,
    consent_id: uuid.UUID | None,
    legal_basis: str | None,
    levels: frozenset[DisclosureLevel],
    categories: frozenset[Category] | None,
    unpublicised: bool,
) -> CrossQuery:
    """The request's texts checked as free text is everywhere; the ID number is checked when it
    is looked up. Refusals name the field and the rule."""
    basis = None
    if legal_basis is not None:
        basis = clean_text(legal_basis, "legal_basis", limit=MAX_BASIS_CHARS)
    return CrossQuery(
        id_number=id_number, purpose=parse_purpose(purpose),
        requester=clean_text(requester, "requester", limit=MAX_REQUESTER_CHARS),
        consent_id=consent_id, legal_basis=basis, levels=levels, categories=categories,
        unpublicised=unpublicised,
    )  # fmt: skip


def capped_view(query: CrossQuery) -> View:
    """What this node answers with: the asker's view, never wider than a government view and
    narrower for a consent. Raises Forbidden for a query no view allows. Pure."""
    if query.purpose == Purpose.ADMINISTRATIVE_DUTY:
        if query.legal_basis is None:
            raise Forbidden("a department's query names its legal basis", field="legal_basis",
                            rule="legal-basis-required")  # fmt: skip
        return View(query.levels, query.categories, unpublicised=query.unpublicised,
                    expired=False)  # fmt: skip
    if query.purpose == Purpose.SELF_QUERY and query.consent_id is None:  # 本人查询
        return View(query.levels, query.categories, unpublicised=query.unpublicised,
                    expired=False)  # fmt: skip
    if query.consent_id is None:
        raise Forbidden("a requester's query names the person's consent", field="consent_id",
                        rule="consent-required")  # fmt: skip
    # A consent never opens government-shared items, nor records kept but not publicised.
    levels = query.levels - {DisclosureLevel.GOVERNMENT}
    return View(levels, query.categories, unpublicised=False, expired=False)


def serve_cross_query(
    sessions: sessionmaker[Session], keys: KeyRing, now: dt.datetime, *, own_code: str,
    asker: str, principal: Principal, query: CrossQuery,
) -> Served:  # fmt: skip
    """Answer `asker`'s query in one transaction with its register entry and the shares; a
    refusal is registered (and committed) before it is raised. A malformed ID number is refused
    before anything is written."""
    with sessions() as session, session.begin():
        subject_id = find_person(session, keys, query.id_number, china_today(now))
        refusal: ChengxinError | None = None
        records: list[RecordVersionMessage] = []
        try:
            view = capped_view(query)
        except Forbidden as exc:
            refusal = exc
        else:
            if subject_id is not None:
                records = _answer(session, keys, now, own_code=own_code, asker=asker,
                                  subject_id=subject_id, view=view)  # fmt: skip
        entry = register_node_query(
            session, now, principal=principal, subject_id=subject_id, purpose=query.purpose,
            consent_id=query.consent_id, legal_basis=query.legal_basis,
            items=[m.item_code for m in records], refusal=refusal, requester=query.requester,
        )  # fmt: skip
    if refusal is not None:
        raise refusal
    return Served(entry.id, subject_id is not None, records)


def _answer(
    session: Session, keys: KeyRing, now: dt.datetime, *, own_code: str, asker: str,
    subject_id: uuid.UUID, view: View,
) -> list[RecordVersionMessage]:  # fmt: skip
    """The person's records here that the view shows, but those of the asker, each shared with
    it from now on."""
    rows = session.scalars(
        select(Record)
        .where(Record.subject_id == subject_id, or_(Record.origin.is_(None),
                                                    Record.origin != asker))
        .order_by(Record.decision_date.desc(), Record.item_code, Record.id)
    )  # fmt: skip
    today = china_today(now)
    chosen = [r for r in rows if visible(_facts(r), view, today)]
    out = [_message(session, keys, own_code, record) for record in chosen]
    _share(session, now, [r.id for r in chosen], asker)
    return out


def _facts(record: Record) -> RecordFacts:
    return RecordFacts(
        status=record.status, disclosure=record.disclosure, category=record.category,
        publicised=record.publicised, display_start=record.display_start,
        display_latest_end=record.display_latest_end,
    )  # fmt: skip


def _message(
    session: Session, keys: KeyRing, own_code: str, record: Record
) -> RecordVersionMessage:
    """The record's current version as its origin would send it: a copy's mirror source named by
    the origin's own code (the asker makes its own mirror of it)."""
    row_id = session.scalar(
        select(RecordVersion.id).where(
            RecordVersion.record_id == record.id, RecordVersion.version == record.version
        )
    )
    message = current_message(session, keys, origin=record.origin or own_code,
                              message_id=row_id or uuid.uuid4(), record_id=record.id)  # fmt: skip
    prefix = f"{record.origin}/"
    if record.origin is not None and message.source.code.startswith(prefix):
        source = dataclasses.replace(message.source, code=message.source.code[len(prefix) :])
        message = dataclasses.replace(message, source=source)
    return message


def _share(session: Session, now: dt.datetime, record_ids: list[uuid.UUID], asker: str) -> None:
    """A `record_shares` row per record not yet shared with the asker; another query sharing the
    same record at the same moment is no conflict."""
    held = set(session.scalars(
        select(RecordShare.record_id).where(
            RecordShare.recipient == asker, RecordShare.record_id.in_(record_ids)
        )
    )) if record_ids else set()  # fmt: skip
    for record_id in record_ids:
        if record_id in held:
            continue
        try:
            with session.begin_nested():
                session.add(RecordShare(record_id=record_id, recipient=asker, shared_at=now))
        except IntegrityError:
            continue
