"""Load demonstration data through the identity verbs (so it is sealed and indexed as real data)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from chengxin.catalog.schema import Catalog
from chengxin.clock import china_today
from chengxin.collection import sources
from chengxin.collection.ingest import ingest_table
from chengxin.collection.models import Source
from chengxin.collection.readers import FileFormat, RawRow, Table
from chengxin.demo.generator import DemoPerson, generate
from chengxin.demo.records import SOURCES, demo_rows
from chengxin.identity import organisations, service
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
    records: int = 0
    skipped: bool = False


def load_demo(
    factory: sessionmaker[Session],
    keys: KeyRing,
    catalog: Catalog,
    now: dt.datetime,
    *,
    people: int,
    seed: int,
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
            organisations.register_organisation(session, keys, now, o.uscc, o.name)
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
            organisations.link_person_to_organisation(
                session, now, person_id=person_ids[link.person],
                organisation_id=org_ids[link.organisation], role=link.role,
                start=link.start, end=link.end,
            )  # fmt: skip
        for occ in occupations:
            organisations.add_occupation(
                session, now, person_id=person_ids[occ.person], group=occ.group,
                valid_from=occ.valid_from, valid_to=occ.valid_to,
                licence_number=occ.licence_number, issuer=occ.issuer,
            )  # fmt: skip
        records = (
            _load_records(session, keys, catalog, now, people=data.people, seed=seed)
            if fresh_people
            else 0
        )
    return DemoResult(len(fresh_people), len(fresh_orgs), len(links), len(occupations), records)


def _load_records(
    session: Session,
    keys: KeyRing,
    catalog: Catalog,
    now: dt.datetime,
    *,
    people: list[DemoPerson],
    seed: int,
) -> int:
    """Each demo source sends one batch through the real ingestion path."""
    rows = demo_rows(people, seed, china_today(now))
    accepted = 0
    for spec in SOURCES:
        source = session.scalar(select(Source).where(Source.code == spec.code))
        if source is None:
            source = sources.add_source(
                session, now, code=spec.code, name=spec.name, region_code=spec.region,
                kind=spec.kind, actor=ACTOR,
            )  # fmt: skip
            sources.grant_item(session, catalog, now, source, spec.item, actor=ACTOR)
        batch = rows[spec.code]
        headers = tuple(dict.fromkeys(k for r in batch for k in r))
        table = Table(
            FileFormat.JSONL, None, headers, iter([RawRow(i + 1, r) for i, r in enumerate(batch)])
        )
        digest = hashlib.sha256(json.dumps(batch, sort_keys=True).encode()).hexdigest()
        receipt = ingest_table(session, keys, catalog, now, source=source, table=table,
                               content_sha256=digest, file_name=f"demo-{spec.code}.jsonl",
                               item_code=spec.item, actor=ACTOR)  # fmt: skip
        accepted += receipt.accepted
    return accepted
