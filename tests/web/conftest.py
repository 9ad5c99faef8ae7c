"""A node with listings the public site must and must not show, set up through the real listing
verbs (propose, notice window, confirm) as tests/measures/world.py does; and a light app for
pages that need no listings."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from chengxin import migrate
from chengxin.access.ratelimit import RateLimiter
from chengxin.app import create_app
from chengxin.catalog.vocab import SourceKind
from chengxin.collection import sources
from chengxin.identity.numbers import check_character
from chengxin.keys import create_key_file
from chengxin.lists import service as lists
from chengxin.lists.rules import RemovalReason
from chengxin.lists.service import ListContext
from chengxin.lists.types import shipped_types
from chengxin.runtime import Runtime
from chengxin.settings import load_settings
from chengxin.web.public_lists import SEARCHES_PER_MINUTE
from tests.collection.conftest import person
from tests.conftest import NOW
from tests.lists.conftest import beijing
from tests.measures.world import enterprise_with, register
from tests.platform import Platform, platform

PROPOSED, CONFIRMED = dt.date(2026, 10, 9), dt.date(2026, 11, 2)


def shanghai(n: int) -> str:
    first17 = f"31010119700101{n:03d}"
    return first17 + check_character(first17)


# key: (ID number, name, list type or None for the organisation's representative)
PEOPLE = {
    "debtor": (person(21, "19800101"), "王大明", "DISHONEST-JUDGMENT-DEBTOR"),
    "model": (person(22, "19700505"), "李红梅", "RED-MORAL-MODEL"),
    "fraud": (person(23, "19900909"), "赵小刚", "KEY-TELECOM-FRAUD"),  # never public
    "pending": (person(24, "19851212"), "孙未定", None),  # proposed, window still open
    "rep": (person(25, "19770707"), "周法人", None),  # the listed enterprise's representative
    "shanghai": (shanghai(26), "欧阳晓明", "DISHONEST-JUDGMENT-DEBTOR"),
}
SOURCES = {  # list type: source code, kind, item granted
    "DISHONEST-JUDGMENT-DEBTOR": ("S-COURT", SourceKind.COURT, "JUDICIAL-DISHONEST-DEBTOR"),
    "RED-MORAL-MODEL": ("S-WMB", SourceKind.GOVERNMENT_DEPARTMENT, "HONOUR-MORAL-MODEL"),
    "KEY-TELECOM-FRAUD": ("S-POLICE", SourceKind.GOVERNMENT_DEPARTMENT, "PENALTY-TAX"),
    "WAGE-ARREARS": ("S-HRSS", SourceKind.GOVERNMENT_DEPARTMENT, "LIST-WAGE-ARREARS"),
}
ORG_NAME = "某建筑劳务有限公司"  # enterprise_with's name


@dataclass
class Published:
    node: Platform
    subjects: dict[str, uuid.UUID] = field(default_factory=dict)
    entries: dict[str, uuid.UUID] = field(default_factory=dict)  # published or not, by key
    sources: dict[str, uuid.UUID] = field(default_factory=dict)

    @property
    def client(self) -> TestClient:
        return self.node.client

    def ctx(self) -> ListContext:
        return ListContext(self.node.rt.keys, self.node.rt.workdays, shipped_types())

    def source(self, list_type: str) -> uuid.UUID:
        if list_type not in self.sources:
            code, kind, item = SOURCES[list_type]
            rt, now = self.node.rt, self.node.clock()
            with rt.sessions() as session, session.begin():
                source = sources.add_source(session, now, code=code, name=f"{code} 认定单位",
                                            region_code="110105", kind=kind, actor="test")  # fmt: skip
                sources.grant_item(session, rt.catalog, now, source, item, actor="test")
                self.sources[list_type] = source.id
        return self.sources[list_type]

    def propose(self, subject: uuid.UUID, list_type: str) -> uuid.UUID:
        with self.node.rt.sessions() as session, session.begin():
            return lists.propose_listing(
                session, self.ctx(), beijing(PROPOSED), source_id=self.source(list_type),
                list_type=list_type, subject_id=subject, document_number="（2026）京0105执88号",
                decision_date=PROPOSED, reasons="有履行能力而拒不履行生效法律文书确定的义务",
                actor="test",
            ).id  # fmt: skip

    def confirm(self, entry_id: uuid.UUID, list_type: str) -> None:
        with self.node.rt.sessions() as session, session.begin():
            lists.confirm_listing(session, self.ctx(), beijing(CONFIRMED), entry_id=entry_id,
                                  source_id=self.source(list_type), actor="test")  # fmt: skip

    def remove(self, entry_id: uuid.UUID) -> None:
        with self.node.rt.sessions() as session, session.begin():
            lists.remove_listing(session, self.ctx(), self.node.clock(), entry_id=entry_id,
                                 why=RemovalReason.DECISION, reason="原列入决定已被撤销",
                                 actor="test")  # fmt: skip

    def html_of(self, path: str, **kw: object) -> str:
        answer = self.client.get(path, **kw)
        assert answer.status_code == 200, answer.text
        return answer.text


def publish(node: Platform) -> Published:
    world = Published(node)
    for key, (number, name, list_type) in PEOPLE.items():
        world.subjects[key] = register(node, number, name)
        if list_type is not None:
            world.entries[key] = world.propose(world.subjects[key], list_type)
            world.confirm(world.entries[key], list_type)
    world.entries["pending"] = world.propose(world.subjects["pending"], "DISHONEST-JUDGMENT-DEBTOR")
    world.subjects["org"] = enterprise_with(node, world.subjects["rep"])
    world.entries["org"] = world.propose(world.subjects["org"], "WAGE-ARREARS")
    world.confirm(world.entries["org"], "WAGE-ARREARS")  # reaches the representative too
    with node.rt.sessions() as session:
        (rep_entry,) = lists.derived_entries(session, world.entries["org"])
        world.entries["rep"] = rep_entry.id
    return world


PUBLISHED = ("debtor", "model", "shanghai", "org", "rep")
HIDDEN = ("fraud", "pending")


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def published_node(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Published]:
    """Read-only tests share one node a database (building it takes a few seconds)."""
    with platform(tmp_path_factory.mktemp("site"), request.param) as node:
        yield publish(node)


@pytest.fixture
def site(published_node: Published) -> Published:
    """The shared node with fresh rate limits and no cookies."""
    state = published_node.client.app.state
    state.rate_limiter = RateLimiter(600)
    state.name_searches = RateLimiter(SEARCHES_PER_MINUTE)
    published_node.client.cookies.clear()
    return published_node


@pytest.fixture
def fresh(node: Platform) -> Published:
    """A world of its own, for tests that remove listings or move the clock."""
    return publish(node)


def light_app(tmp_path: Path, **env: str) -> TestClient:
    """The app on an empty SQLite node (no listings): pages that need no data."""
    settings = load_settings({"CHENGXIN_DATA_DIR": str(tmp_path),
                              "CHENGXIN_COOKIE_SECURE": "false", **env})  # fmt: skip
    create_key_file(settings.resolved_key_file, NOW)
    runtime = Runtime(settings, clock=lambda: NOW)
    migrate.upgrade(runtime.engine)
    return TestClient(create_app(runtime))


@pytest.fixture
def light(tmp_path: Path) -> Iterator[TestClient]:
    with light_app(tmp_path) as client:
        yield client
