"""Identity verbs. Each state change is one function run inside the caller's transaction.

Reads of full (unmasked) identities go through `reveal_person`; the access domain (issue C) will
wrap it with role, purpose, consent and the query register.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chengxin.errors import Conflict, InvalidInput, NotFound
from chengxin.identity.masking import mask_id_number, mask_name
from chengxin.identity.models import (
    IdentityReview,
    Person,
    PersonName,
    ReviewState,
    Subject,
    SubjectKind,
)
from chengxin.identity.names import normalize_name
from chengxin.identity.numbers import IdNumber, parse_id_number
from chengxin.keys import KeyRing
from chengxin.sealed import seal, unseal

PERSON_INDEX = "person-id"
ORG_INDEX = "org-uscc"
MAX_ACTOR_CHARS = 100
MAX_PAYLOAD_BYTES = 256 * 1024


class Outcome(StrEnum):
    CREATED = "created"
    EXISTING = "existing"
    REVIEW = "review"  # name disagrees: an identity review case holds the incoming data


@dataclass(frozen=True)
class Registration:
    subject_id: uuid.UUID
    outcome: Outcome
    review_id: uuid.UUID | None = None


@dataclass(frozen=True)
class PersonView:
    subject_id: uuid.UUID
    id_number: str
    name: str
    sex: str
    region_code: str
    name_version: int

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)


def _actor(actor: str) -> str:
    actor = actor.strip()
    if not actor or len(actor) > MAX_ACTOR_CHARS:
        raise InvalidInput(
            f"must be 1 to {MAX_ACTOR_CHARS} characters", field="actor", rule="length"
        )
    return actor


def find_person(
    session: Session, keys: KeyRing, id_number: str, today: dt.date
) -> uuid.UUID | None:
    number = parse_id_number(id_number, today)
    lookup = keys.blind_index(PERSON_INDEX, number.normalized)
    return session.scalar(select(Subject.id).where(Subject.lookup == lookup))


def register_person(
    session: Session,
    keys: KeyRing,
    now: dt.datetime,
    id_number: str,
    name: str,
    *,
    actor: str,
    payload: dict[str, Any] | None = None,
) -> Registration:
    """Find or create the subject for an ID number (R-1.1, R-1.2).

    A known number with the same name is the same subject. A known number with another name is
    neither overwritten nor merged: an identity review case is opened and `payload` (the incoming
    data) waits in it, sealed, for the operator's decision.
    """
    actor = _actor(actor)
    number = parse_id_number(id_number, now.date())
    clean_name = normalize_name(name)
    payload_text = None if payload is None else json.dumps(payload, ensure_ascii=False)
    if payload_text is not None and len(payload_text.encode()) > MAX_PAYLOAD_BYTES:
        raise InvalidInput(
            f"waiting data must be at most {MAX_PAYLOAD_BYTES} bytes",
            field="payload",
            rule="max-size",
        )
    lookup = keys.blind_index(PERSON_INDEX, number.normalized)
    existing = session.scalar(select(Subject).where(Subject.lookup == lookup))
    if existing is None:
        try:
            # A savepoint: if another transaction registers the same number first, the unique
            # lookup refuses ours and we fall through to the name comparison below.
            with session.begin_nested():
                subject_id = _create_person(
                    session, keys, now, lookup=lookup, number=number, name=clean_name, actor=actor
                )
            return Registration(subject_id, Outcome.CREATED)
        except IntegrityError:
            existing = session.scalars(select(Subject).where(Subject.lookup == lookup)).one()
    person = session.get_one(Person, existing.id)
    if unseal(keys, "persons", "name_enc", existing.id, person.name_enc) == clean_name:
        return Registration(existing.id, Outcome.EXISTING)
    review_id = open_review(
        session, keys, now, subject_id=existing.id, incoming_name=clean_name, actor=actor,
        payload_text=payload_text,
    )  # fmt: skip
    session.flush()
    return Registration(existing.id, Outcome.REVIEW, review_id)


def open_review(
    session: Session,
    keys: KeyRing,
    now: dt.datetime,
    *,
    subject_id: uuid.UUID,
    incoming_name: str,
    actor: str,
    payload_text: str | None,
) -> uuid.UUID:
    """Open an identity review case holding the incoming name and the data waiting for it."""
    review_id = uuid.uuid4()
    session.add(
        IdentityReview(
            id=review_id,
            subject_id=subject_id,
            state=ReviewState.PENDING,
            incoming_name_enc=seal(
                keys, "identity_reviews", "incoming_name_enc", review_id, incoming_name
            ),
            payload_enc=None
            if payload_text is None
            else seal(keys, "identity_reviews", "payload_enc", review_id, payload_text),
            submitted_by=actor,
            opened_at=now,
        )
    )
    return review_id


def _create_person(
    session: Session,
    keys: KeyRing,
    now: dt.datetime,
    *,
    lookup: str,
    number: IdNumber,
    name: str,
    actor: str,
) -> uuid.UUID:
    subject_id = uuid.uuid4()
    session.add(
        Subject(
            id=subject_id,
            kind=SubjectKind.PERSON,
            lookup=lookup,
            region_code=number.region.code,
            created_at=now,
        )
    )
    session.flush()
    session.add(
        Person(
            id=subject_id,
            id_number_enc=seal(keys, "persons", "id_number_enc", subject_id, number.normalized),
            name_enc=seal(keys, "persons", "name_enc", subject_id, name),
            name_version=1,
            sex=number.sex,
        )
    )
    _add_name_version(
        session, keys, now, subject_id=subject_id, version=1, name=name,
        reason="registered", actor=actor,
    )  # fmt: skip
    session.flush()
    return subject_id


def _add_name_version(
    session: Session,
    keys: KeyRing,
    now: dt.datetime,
    *,
    subject_id: uuid.UUID,
    version: int,
    name: str,
    reason: str,
    actor: str,
) -> None:
    row_id = uuid.uuid4()
    session.add(
        PersonName(
            id=row_id,
            subject_id=subject_id,
            version=version,
            name_enc=seal(keys, "person_names", "name_enc", row_id, name),
            reason=reason[:200],
            actor=actor,
            created_at=now,
        )
    )


@dataclass(frozen=True)
class ReviewView:
    id: uuid.UUID
    subject_id: uuid.UUID
    state: ReviewState
    name_on_file: str
    incoming_name: str
    submitted_by: str
    opened_at: dt.datetime
    payload: dict[str, Any] | None
    decided_by: str | None
    decision_reason: str | None
    decided_at: dt.datetime | None = None

    @property
    def held_row(self) -> dict[str, Any] | None:
        """Where the data the case holds came from (source, batch, row, item), without the data
        itself; None when it holds no batch row."""
        if not self.payload or "batch" not in self.payload:
            return None
        return {k: self.payload.get(k) for k in ("source", "batch", "row", "item")}


def list_reviews(
    session: Session,
    keys: KeyRing,
    state: ReviewState | None = ReviewState.PENDING,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> list[ReviewView]:
    """Cases oldest first (the longest waiting lead); `limit` and `offset` page them."""
    query = select(IdentityReview).order_by(IdentityReview.opened_at, IdentityReview.id)
    if state is not None:
        query = query.where(IdentityReview.state == state)
    query = query.offset(offset).limit(limit)
    return [_review_view(session, keys, r) for r in session.scalars(query)]


def count_reviews(session: Session, state: ReviewState | None = ReviewState.PENDING) -> int:
    query = select(func.count()).select_from(IdentityReview)
    if state is not None:
        query = query.where(IdentityReview.state == state)
    return session.scalar(query) or 0


def get_review(session: Session, keys: KeyRing, review_id: uuid.UUID) -> ReviewView:
    review = session.get(IdentityReview, review_id)
    if review is None:
        raise NotFound("no such identity review", field="review_id")
    return _review_view(session, keys, review)


def _review_view(session: Session, keys: KeyRing, review: IdentityReview) -> ReviewView:
    person = session.get_one(Person, review.subject_id)
    payload = (
        None
        if review.payload_enc is None
        else json.loads(
            unseal(keys, "identity_reviews", "payload_enc", review.id, review.payload_enc)
        )
    )
    return ReviewView(
        id=review.id,
        subject_id=review.subject_id,
        state=review.state,
        name_on_file=unseal(keys, "persons", "name_enc", person.id, person.name_enc),
        incoming_name=unseal(
            keys, "identity_reviews", "incoming_name_enc", review.id, review.incoming_name_enc
        ),
        submitted_by=review.submitted_by,
        opened_at=review.opened_at,
        payload=payload,
        decided_by=review.decided_by,
        decision_reason=review.decision_reason,
        decided_at=review.decided_at,
    )


def decide_identity_review(
    session: Session,
    keys: KeyRing,
    now: dt.datetime,
    review_id: uuid.UUID,
    decision: ReviewState,
    *,
    actor: str,
    reason: str,
) -> ReviewView:
    """Close a review: `name_changed` records the incoming name as a new name version (the old
    stays in history); `rejected` refuses the incoming name and its waiting data."""
    actor = _actor(actor)
    reason = reason.strip()
    if decision is ReviewState.PENDING:
        raise InvalidInput("must be name_changed or rejected", field="decision", rule="enum")
    if not reason or len(reason) > 2000:
        raise InvalidInput("must be 1 to 2000 characters", field="reason", rule="length")
    review = session.get(IdentityReview, review_id)
    if review is None:
        raise NotFound("no such identity review", field="review_id")
    # Conditional update: two operators deciding at once cannot both win.
    claimed = session.execute(
        update(IdentityReview)
        .where(IdentityReview.id == review_id, IdentityReview.state == ReviewState.PENDING)
        .values(state=decision, decided_at=now, decided_by=actor, decision_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("has already been decided", field="review_id", rule="state-pending")
    session.refresh(review)
    person = session.get_one(Person, review.subject_id)
    new_name = unseal(
        keys, "identity_reviews", "incoming_name_enc", review.id, review.incoming_name_enc
    )
    on_file = unseal(keys, "persons", "name_enc", person.id, person.name_enc)
    # A second case about the same change finds the name already on file: no new version.
    if decision is ReviewState.NAME_CHANGED and new_name != on_file:
        version = person.name_version + 1
        _add_name_version(
            session, keys, now, subject_id=person.id, version=version, name=new_name,
            reason=reason, actor=actor,
        )  # fmt: skip
        person.name_enc = seal(keys, "persons", "name_enc", person.id, new_name)
        person.name_version = version
    session.flush()
    return _review_view(session, keys, review)


def is_person(session: Session, subject_id: uuid.UUID) -> bool:
    return session.get(Person, subject_id) is not None


def reveal_person(session: Session, keys: KeyRing, subject_id: uuid.UUID) -> PersonView:
    person = session.get(Person, subject_id)
    if person is None:
        raise NotFound("no such person", field="subject_id")
    subject = session.get_one(Subject, subject_id)
    return PersonView(
        subject_id=subject_id,
        id_number=unseal(keys, "persons", "id_number_enc", subject_id, person.id_number_enc),
        name=unseal(keys, "persons", "name_enc", subject_id, person.name_enc),
        sex=person.sex,
        region_code=subject.region_code,
        name_version=person.name_version,
    )


def name_history(
    session: Session, keys: KeyRing, subject_id: uuid.UUID
) -> list[tuple[int, str, str]]:
    rows = session.scalars(
        select(PersonName).where(PersonName.subject_id == subject_id).order_by(PersonName.version)
    )
    return [
        (r.version, unseal(keys, "person_names", "name_enc", r.id, r.name_enc), r.reason)
        for r in rows
    ]
