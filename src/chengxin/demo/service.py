"""Load demonstration data through the identity verbs (so it is sealed and indexed as real data)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from chengxin.demo.generator import generate
from chengxin.identity import service
from chengxin.identity.models import Subject
from chengxin.identity.service import Outcome
from chengxin.keys import KeyRing

ACTOR = "demo"


@dataclass(frozen=True)
class DemoResult:
    people: int
    organisations: int
    links: int
    occupations: int
    skipped: bool = False


def load_demo(
    factory: sessionmaker[Session],
    keys: KeyRing,
    now: dt.datetime,
    people: int,
    seed: int,
    *,
    if_empty: bool = False,
) -> DemoResult:
    """Insert demo data in one transaction; with `if_empty`, do nothing on a used database."""
    with factory() as session, session.begin():
        if if_empty and session.scalar(select(func.count()).select_from(Subject)):
            return DemoResult(0, 0, 0, 0, skipped=True)
        data = generate(people, seed, now.date())
        people_done = [
            service.register_person(session, keys, now, p.id_number, p.name, actor=ACTOR)
            for p in data.people
        ]
        orgs_done = [
            service.register_organisation(session, keys, now, o.uscc, o.name)
            for o in data.organisations
        ]
        person_ids = [r.subject_id for r in people_done]
        org_ids = [r.subject_id for r in orgs_done]
        # Running again with the same seed adds nothing: links and occupations are added only
        # for organisations and people this run created.
        fresh_people = {i for i, r in enumerate(people_done) if r.outcome is Outcome.CREATED}
        fresh_orgs = {i for i, r in enumerate(orgs_done) if r.outcome is Outcome.CREATED}
        links = [k for k in data.links if k.organisation in fresh_orgs]
        occupations = [o for o in data.occupations if o.person in fresh_people]
        for link in links:
            service.link_person_to_organisation(
                session, now, person_id=person_ids[link.person],
                organisation_id=org_ids[link.organisation], role=link.role,
                start=link.start, end=link.end,
            )  # fmt: skip
        for occ in occupations:
            service.add_occupation(
                session, now, person_id=person_ids[occ.person], group=occ.group,
                valid_from=occ.valid_from, valid_to=occ.valid_to,
                licence_number=occ.licence_number, issuer=occ.issuer,
            )  # fmt: skip
    return DemoResult(len(fresh_people), len(fresh_orgs), len(links), len(occupations))
