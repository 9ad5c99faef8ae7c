"""Set-based subject resolution for ingestion: one query per chunk instead of one per row.

Same rules as `register_person` (R-1.2): a known number with the same name is that subject; with
another name an identity review case holds the row; an unknown number becomes a new subject.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.bulk import bulk_insert
from chengxin.identity.models import Person, PersonName, Subject, SubjectKind
from chengxin.identity.numbers import IdNumber
from chengxin.identity.service import PERSON_INDEX, Outcome, open_review
from chengxin.keys import KeyRing
from chengxin.sealed import seal, unseal

CHUNK = 500  # bound parameters per IN (…) query, well inside every driver's limit


@dataclass(frozen=True)
class Resolved:
    subject_id: uuid.UUID | None  # None: unknown person and creation not allowed
    outcome: Outcome | None
    review_id: uuid.UUID | None = None


def _known(session: Session, keys: KeyRing, lookups: set[str]) -> dict[str, tuple[uuid.UUID, str]]:
    found: dict[str, tuple[uuid.UUID, str]] = {}
    ordered = sorted(lookups)
    for i in range(0, len(ordered), CHUNK):
        rows = session.execute(
            select(Subject.lookup, Person.id, Person.name_enc)
            .join(Person, Person.id == Subject.id)
            .where(Subject.lookup.in_(ordered[i : i + CHUNK]))
        ).all()
        for lookup, subject_id, name_enc in rows:
            found[lookup] = (subject_id, unseal(keys, "persons", "name_enc", subject_id, name_enc))
    return found


def resolve_people(
    session: Session,
    keys: KeyRing,
    now: dt.datetime,
    people: Sequence[tuple[IdNumber, str]],
    *,
    actor: str,
    payloads: Sequence[dict[str, Any] | None],
    create: bool = True,
    only: frozenset[uuid.UUID] | None = None,
) -> list[Resolved]:
    """Resolve (ID number, normalised name) pairs in order; new subjects are inserted in bulk.

    With `only`, known subjects outside that set resolve to nothing (no review is opened for
    them): an association may not learn about, or file data on, people who are not members."""
    lookups = [keys.blind_index(PERSON_INDEX, n.normalized) for n, _ in people]
    known = _known(session, keys, set(lookups))
    subjects: list[dict[str, Any]] = []
    persons: list[dict[str, Any]] = []
    names: list[dict[str, Any]] = []
    reviews: list[tuple[int, uuid.UUID, str]] = []
    out: list[Resolved | None] = []
    for index, ((number, name), lookup) in enumerate(zip(people, lookups, strict=True)):
        if lookup in known:
            subject_id, on_file = known[lookup]
            if only is not None and subject_id not in only:
                out.append(Resolved(None, None))
            elif on_file == name:
                out.append(Resolved(subject_id, Outcome.EXISTING))
            else:
                out.append(None)
                reviews.append((index, subject_id, name))
            continue
        if not create:
            out.append(Resolved(None, None))
            continue
        subject_id = uuid.uuid4()
        known[lookup] = (subject_id, name)
        subjects.append(
            {"id": subject_id, "kind": SubjectKind.PERSON, "lookup": lookup,
             "region_code": number.region.code, "created_at": now}
        )  # fmt: skip
        persons.append(
            {"id": subject_id, "name_version": 1, "sex": number.sex,
             "id_number_enc": seal(keys, "persons", "id_number_enc", subject_id, number.normalized),
             "name_enc": seal(keys, "persons", "name_enc", subject_id, name)}
        )  # fmt: skip
        name_id = uuid.uuid4()
        names.append(
            {"id": name_id, "subject_id": subject_id, "version": 1, "reason": "registered",
             "actor": actor, "created_at": now,
             "name_enc": seal(keys, "person_names", "name_enc", name_id, name)}
        )  # fmt: skip
        out.append(Resolved(subject_id, Outcome.CREATED))
    if subjects:
        bulk_insert(session, Subject, subjects)
        bulk_insert(session, Person, persons)
        bulk_insert(session, PersonName, names)
    for index, subject_id, name in reviews:
        payload = payloads[index]
        text = None if payload is None else json.dumps(payload, ensure_ascii=False, default=str)
        review_id = open_review(
            session, keys, now, subject_id=subject_id, incoming_name=name, actor=actor,
            payload_text=text,
        )  # fmt: skip
        out[index] = Resolved(subject_id, Outcome.REVIEW, review_id)
    return [r for r in out if r is not None]
