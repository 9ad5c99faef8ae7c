"""What the public site publishes (R-6.5): serious-dishonesty and red-list entries in effect on a
date, with identities masked. Key-supervision lists are never published. Reads only.

Names are sealed, so a search by a person's name opens the names of the entries that pass the
other filters and compares them in memory: at most `MAX_NAME_SEARCH` entries a search, else the
visitor is asked to narrow by region or list first. A person matches on the full name only (a
surname would list everyone of that family); an organisation on any part of its name."""

from __future__ import annotations

import datetime as dt
import unicodedata
import uuid
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from chengxin.collection.models import Source
from chengxin.identity.masking import mask_id_number, mask_name, mask_uscc
from chengxin.identity.models import Organisation, OrgRole, Person, Subject
from chengxin.keys import KeyRing
from chengxin.lists.models import ListEntry
from chengxin.lists.queries import in_effect_clause  # the one the measures check uses too
from chengxin.lists.rules import ListKind
from chengxin.lists.types import ListType, ListTypes
from chengxin.sealed import unseal

PUBLIC_KINDS = (ListKind.SERIOUS_DISHONESTY, ListKind.RED)
PAGE_SIZE = 20
MAX_PAGE = 1000
MAX_NAME_SEARCH = 5000  # entries a name search may read (5,000: about 0.2 s, docs/portals.md)


def normalise(name: str) -> str:
    """Width and case folded, spaces dropped (王 大明 is 王大明): how names are compared."""
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())


@dataclass(frozen=True)
class Filters:
    kind: ListKind | None = None  # None: both published kinds
    region: str = ""  # a region-code prefix ("11", "1101", "110105"); "" for all
    name: str = ""  # normalised; "" for no name search
    page: int = 1


@dataclass(frozen=True)
class PublicEntry:
    id: uuid.UUID
    type: ListType
    person: bool
    name: str  # masked for a person, in full for an organisation
    number: str  # the masked ID number or USCC
    region_code: str
    organisation: str | None  # a person reached through an organisation (§6.2 落实到人)
    organisation_number: str | None
    org_role: OrgRole | None
    designated_by: str  # the designating source's name (谁认定)
    document_number: str
    decision_date: dt.date
    effective_from: dt.date
    term_end: dt.date | None


@dataclass(frozen=True)
class Found:
    entries: list[PublicEntry]
    total: int
    pages: int
    too_many: bool = False  # a name search over more than MAX_NAME_SEARCH entries: refused


def _published(today: dt.date, filters: Filters) -> Select[ListEntry]:
    kinds = [filters.kind] if filters.kind else list(PUBLIC_KINDS)
    query = (
        select(ListEntry)
        .join(Subject, Subject.id == ListEntry.subject_id)
        .where(in_effect_clause(today), ListEntry.list_kind.in_(kinds))
    )
    if filters.region:
        query = query.where(Subject.region_code.startswith(filters.region))
    return query


def _shape(
    session: Session, keys: KeyRing, types: ListTypes, entries: list[ListEntry]
) -> list[PublicEntry]:
    subject_ids = {e.subject_id for e in entries} | {
        e.via_organisation_id for e in entries if e.via_organisation_id
    }
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(subject_ids)))}
    orgs = {
        o.id: o
        for o in session.scalars(select(Organisation).where(Organisation.id.in_(subject_ids)))
    }
    regions = dict(
        session.execute(
            select(Subject.id, Subject.region_code).where(Subject.id.in_(subject_ids))
        ).all()  # rows, not the Result: dict() would take a Result for a mapping
    )
    source_ids = {e.source_id for e in entries}
    sources = dict(
        session.execute(select(Source.id, Source.name).where(Source.id.in_(source_ids))).all()
    )
    shown = []
    for e in entries:
        person = people.get(e.subject_id)
        if person is not None:
            name = mask_name(unseal(keys, "persons", "name_enc", person.id, person.name_enc))
            number = mask_id_number(
                unseal(keys, "persons", "id_number_enc", person.id, person.id_number_enc)
            )
        else:
            org = orgs[e.subject_id]
            name, number = org.name, mask_uscc(org.uscc)
        via = orgs.get(e.via_organisation_id) if e.via_organisation_id else None
        assert e.effective_from is not None  # noqa: S101  (in effect implies an effective date)
        shown.append(
            PublicEntry(
                id=e.id,
                type=types.version(e.list_type, e.type_effective_from),
                person=person is not None,
                name=name,
                number=number,
                region_code=regions[e.subject_id],
                organisation=via.name if via else None,
                organisation_number=mask_uscc(via.uscc) if via else None,
                org_role=e.org_role,
                designated_by=sources[e.source_id],
                document_number=e.document_number,
                decision_date=e.decision_date,
                effective_from=e.effective_from,
                term_end=e.term_end,
            )
        )
    return shown


def _matching(
    session: Session, keys: KeyRing, query: Select[ListEntry], name: str
) -> list[uuid.UUID]:
    """The ids of the entries of `query` whose person's full name is `name`, or whose
    organisation's (own or answered for) name contains it; in the query's order. Only the
    columns compared are read."""
    subjects = query.with_only_columns(ListEntry.subject_id)
    vias = query.with_only_columns(ListEntry.via_organisation_id)
    full_names = {
        person_id: normalise(unseal(keys, "persons", "name_enc", person_id, token))
        for person_id, token in session.execute(
            select(Person.id, Person.name_enc).where(Person.id.in_(subjects))
        )
    }
    org_names = {
        org_id: normalise(org_name)
        for org_id, org_name in session.execute(
            select(Organisation.id, Organisation.name).where(
                or_(Organisation.id.in_(subjects), Organisation.id.in_(vias))
            )
        )
    }
    rows = session.execute(
        _order(query).with_only_columns(
            ListEntry.id, ListEntry.subject_id, ListEntry.via_organisation_id
        )
    )

    def in_org_name(org_id: uuid.UUID | None) -> bool:
        return org_id in org_names and name in org_names[org_id]

    return [
        entry_id
        for entry_id, subject_id, via_id in rows
        if full_names.get(subject_id) == name or in_org_name(subject_id) or in_org_name(via_id)
    ]


def _order(query: Select[ListEntry]) -> Select[ListEntry]:
    return query.order_by(ListEntry.effective_from.desc(), ListEntry.id)


def _pages(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def published_entries(
    session: Session, keys: KeyRing, types: ListTypes, today: dt.date, filters: Filters
) -> Found:
    """One page of the entries published today that pass `filters`, newest listing first."""
    query = _published(today, filters)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    offset = (filters.page - 1) * PAGE_SIZE
    if not filters.name:
        rows = list(session.scalars(_order(query).limit(PAGE_SIZE).offset(offset)))
        return Found(_shape(session, keys, types, rows), total, _pages(total))
    if total > MAX_NAME_SEARCH:
        return Found([], 0, 1, too_many=True)
    found = _matching(session, keys, query, filters.name)
    wanted = found[offset : offset + PAGE_SIZE]
    loaded = {e.id: e for e in session.scalars(select(ListEntry).where(ListEntry.id.in_(wanted)))}
    page = [loaded[entry_id] for entry_id in wanted]
    return Found(_shape(session, keys, types, page), len(found), _pages(len(found)))


def published_entry(
    session: Session, keys: KeyRing, types: ListTypes, today: dt.date, entry_id: uuid.UUID
) -> PublicEntry | None:
    """One entry if it is published today (a key-supervision, ended or pending one is not)."""
    entry = session.scalar(_published(today, Filters()).where(ListEntry.id == entry_id))
    return _shape(session, keys, types, [entry])[0] if entry is not None else None
