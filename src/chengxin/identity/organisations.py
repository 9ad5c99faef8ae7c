"""Organisations, who answers for them, and people's key occupations (R-1.3, R-2.4, §6.2)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chengxin.errors import Conflict, InvalidInput, NotFound
from chengxin.identity.models import (
    Occupation,
    OccupationGroup,
    Organisation,
    OrganisationRole,
    OrgRole,
    Subject,
    SubjectKind,
)
from chengxin.identity.numbers import parse_uscc
from chengxin.identity.service import ORG_INDEX, Outcome, Registration
from chengxin.keys import KeyRing


def register_organisation(
    session: Session, keys: KeyRing, now: dt.datetime, uscc: str, name: str
) -> Registration:
    code = parse_uscc(uscc)
    clean = name.strip()
    if not clean or len(clean) > 200:
        raise InvalidInput("must be 1 to 200 characters", field="name", rule="length")
    existing = session.scalar(select(Organisation).where(Organisation.uscc == code.normalized))
    if existing is not None:
        return Registration(existing.id, Outcome.EXISTING)
    subject = Subject(
        id=uuid.uuid4(),
        kind=SubjectKind.ORGANISATION,
        lookup=keys.blind_index(ORG_INDEX, code.normalized),
        region_code=code.region_code,
        created_at=now,
    )
    session.add(subject)
    session.flush()
    session.add(Organisation(id=subject.id, uscc=code.normalized, name=clean))
    session.flush()
    return Registration(subject.id, Outcome.CREATED)


def _require_subject(
    session: Session, subject_id: uuid.UUID, kind: SubjectKind, field: str
) -> None:
    subject = session.get(Subject, subject_id)
    if subject is None or subject.kind is not kind:
        raise NotFound(f"no such {kind.value}", field=field)


def _check_period(start: dt.date, end: dt.date | None, field: str) -> None:
    if end is not None and end < start:
        raise InvalidInput("end must not be before start", field=field, rule="period")


def link_person_to_organisation(
    session: Session,
    now: dt.datetime,
    *,
    person_id: uuid.UUID,
    organisation_id: uuid.UUID,
    role: OrgRole,
    start: dt.date,
    end: dt.date | None = None,
) -> uuid.UUID:
    """Record that a person is (or was) an organisation's legal representative or responsible
    person (§6.2), so that its punishment can reach them later."""
    _check_period(start, end, "end_date")
    _require_subject(session, person_id, SubjectKind.PERSON, "person_id")
    _require_subject(session, organisation_id, SubjectKind.ORGANISATION, "organisation_id")
    duplicate = session.scalar(
        select(func.count())
        .select_from(OrganisationRole)
        .where(
            OrganisationRole.subject_id == person_id,
            OrganisationRole.organisation_id == organisation_id,
            OrganisationRole.role == role,
            OrganisationRole.start_date == start,
        )
    )
    if duplicate:
        raise Conflict("this link is already recorded", field="start_date", rule="unique-link")
    link = OrganisationRole(
        id=uuid.uuid4(),
        subject_id=person_id,
        organisation_id=organisation_id,
        role=role,
        start_date=start,
        end_date=end,
        created_at=now,
    )
    session.add(link)
    session.flush()
    return link.id


def responsible_people(
    session: Session, organisation_id: uuid.UUID, on: dt.date
) -> list[tuple[uuid.UUID, OrgRole]]:
    """Who answered for the organisation on a date (the date of the conduct, §6.2)."""
    rows = session.execute(
        select(OrganisationRole.subject_id, OrganisationRole.role).where(
            OrganisationRole.organisation_id == organisation_id,
            OrganisationRole.start_date <= on,
            (OrganisationRole.end_date.is_(None)) | (OrganisationRole.end_date >= on),
        )
    )
    return [(r[0], r[1]) for r in rows]


def add_occupation(
    session: Session,
    now: dt.datetime,
    *,
    person_id: uuid.UUID,
    group: OccupationGroup,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    licence_number: str | None = None,
    issuer: str | None = None,
) -> uuid.UUID:
    """Record a person's key occupation (R-2.4) with its licence, issuer and validity."""
    _check_period(valid_from, valid_to, "valid_to")
    _require_subject(session, person_id, SubjectKind.PERSON, "person_id")
    for field, value, limit in (("licence_number", licence_number, 64), ("issuer", issuer, 200)):
        if value is not None and (not value.strip() or len(value) > limit):
            raise InvalidInput(f"must be 1 to {limit} characters", field=field, rule="length")
    occupation = Occupation(
        id=uuid.uuid4(),
        subject_id=person_id,
        group=group,
        licence_number=licence_number,
        issuer=issuer,
        valid_from=valid_from,
        valid_to=valid_to,
        created_at=now,
    )
    session.add(occupation)
    session.flush()
    return occupation.id


def occupations_of(session: Session, person_id: uuid.UUID, on: dt.date) -> list[Occupation]:
    return list(
        session.scalars(
            select(Occupation).where(
                Occupation.subject_id == person_id,
                Occupation.valid_from <= on,
                (Occupation.valid_to.is_(None)) | (Occupation.valid_to >= on),
            )
        )
    )
