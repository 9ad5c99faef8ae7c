"""A small world for listing tests: sources that designate, people, an organisation with its
legal representative and responsible persons, and the listing context on a real database."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from chengxin.catalog.schema import Catalog
from chengxin.catalog.vocab import SourceKind
from chengxin.clock import CHINA_TZ
from chengxin.collection import sources
from chengxin.identity import organisations
from chengxin.identity import service as identity
from chengxin.identity.models import OrgRole
from chengxin.keys import KeyRing
from chengxin.lists import service
from chengxin.lists.models import ListEntry
from chengxin.lists.service import ListContext
from chengxin.lists.types import shipped_types
from chengxin.workdays.loader import load_calendar
from tests.collection.conftest import catalog, person
from tests.conftest import NOW

__all__ = ["catalog"]
USCC = "91110000802100433B"
SOURCES = {  # code: kind, items granted
    "HRSS-BJ": (SourceKind.GOVERNMENT_DEPARTMENT, ("LIST-WAGE-ARREARS",)),
    "TAX-BJ": (SourceKind.GOVERNMENT_DEPARTMENT, ("PENALTY-TAX", "LIST-TAX-MAJOR-VIOLATION")),
    "COURT-BJ": (SourceKind.COURT, ("JUDICIAL-DISHONEST-DEBTOR",)),
    "WMB-BJ": (SourceKind.GOVERNMENT_DEPARTMENT, ("HONOUR-MORAL-MODEL",)),  # 文明办
}
NAMES = {"wang": "王一", "li": "李二", "zhao": "赵三", "qian": "钱四"}


def beijing(day: dt.date, hour: int = 10) -> dt.datetime:
    """An aware instant on a Beijing date."""
    return dt.datetime.combine(day, dt.time(hour), tzinfo=CHINA_TZ).astimezone(dt.UTC)


@dataclass
class World:
    sessions: sessionmaker[Session]
    ctx: ListContext
    sources: dict[str, uuid.UUID] = field(default_factory=dict)
    people: dict[str, uuid.UUID] = field(default_factory=dict)
    org: uuid.UUID | None = None

    def propose(self, who: str, list_type: str, on: dt.date, source: str = "HRSS-BJ",
                **kw: Any) -> uuid.UUID:  # fmt: skip
        with self.sessions() as session, session.begin():
            subject = self.org if who == "org" else self.people[who]
            assert subject is not None
            entry = service.propose_listing(
                session, self.ctx, beijing(on), source_id=self.sources[source],
                list_type=list_type, subject_id=subject,
                document_number=kw.pop("document_number", "京人社欠薪告〔2026〕8号"),
                decision_date=kw.pop("decision_date", on),
                reasons=kw.pop("reasons", "拖欠农民工工资逾期未支付"), actor="test", **kw,
            )  # fmt: skip
            return entry.id

    def entry(self, entry_id: uuid.UUID) -> ListEntry:
        with self.sessions() as session:
            return session.get_one(ListEntry, entry_id)

    def do(self, verb: Any, on: dt.date, **kw: Any) -> ListEntry:
        with self.sessions() as session, session.begin():
            entry: ListEntry = verb(session, self.ctx, beijing(on), actor="test", **kw)
            return entry


def make_world(sessions: sessionmaker[Session], keys: KeyRing, catalog: Catalog) -> World:
    w = World(sessions, ListContext(keys, load_calendar(), shipped_types()))
    with sessions() as session, session.begin():
        for code, (kind, items) in SOURCES.items():
            source = sources.add_source(session, NOW, code=code, name=f"{code} 名称",
                                        region_code="110105", kind=kind, actor="test")  # fmt: skip
            for item in items:
                sources.grant_item(session, catalog, NOW, source, item, actor="test")
            w.sources[code] = source.id
        for n, (name, full_name) in enumerate(NAMES.items(), start=1):
            reg = identity.register_person(session, keys, NOW, person(n), full_name, actor="test")
            w.people[name] = reg.subject_id
        w.org = organisations.register_organisation(
            session, keys, NOW, USCC, "某建筑公司"
        ).subject_id
        start = dt.date(2020, 1, 1)
        roles = (("wang", OrgRole.LEGAL_REPRESENTATIVE, None),
                 ("li", OrgRole.RESPONSIBLE_PERSON, None),
                 ("zhao", OrgRole.RESPONSIBLE_PERSON, dt.date(2025, 12, 31)),  # left before
                 ("wang", OrgRole.RESPONSIBLE_PERSON, None))  # both roles: one entry  # fmt: skip
        for name, role, end in roles:
            organisations.link_person_to_organisation(
                session, NOW, person_id=w.people[name], organisation_id=w.org, role=role,
                start=start, end=end,
            )  # fmt: skip
    return w


@pytest.fixture
def world(sessions: sessionmaker[Session], keys: KeyRing, catalog: Catalog) -> World:
    return make_world(sessions, keys, catalog)


@pytest.fixture
def committed_world(
    committing_sessions: sessionmaker[Session], keys: KeyRing, catalog: Catalog
) -> World:
    return make_world(committing_sessions, keys, catalog)
