"""A whole node for access tests: a real database (SQLite file or PostgreSQL), key file, catalog,
sources with records about two people, a bank and a department with API keys, and accounts of
every role — served by the real app through TestClient."""

from __future__ import annotations

import atexit
import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from chengxin import migrate
from chengxin.access import accounts
from chengxin.access.deps import session_cookie_name
from chengxin.access.models import KeyOwner
from chengxin.access.permissions import Role
from chengxin.access.service import create_api_key
from chengxin.app import create_app
from chengxin.catalog.vocab import SourceKind
from chengxin.collection import service as collection
from chengxin.collection import sources
from chengxin.collection.readers import Limits
from chengxin.consents import service as consents
from chengxin.consents.rules import Purpose, parse_scope
from chengxin.db import make_engine
from chengxin.identity import service as identity
from chengxin.keys import create_key_file
from chengxin.partitioning.service import partition_tables
from chengxin.requesters import service as requesters
from chengxin.requesters.models import RequesterKind
from chengxin.runtime import Runtime
from chengxin.settings import load_settings
from tests.collection.conftest import PENALTY_HEADERS, penalty_row, person, write_csv
from tests.conftest import (
    NOW,
    create_pg_database,
    fresh_pg_database,
    migrated_template,
    pg_database_name,
    pg_template,
    pg_url_of,
)

PASSWORD = "correct horse battery"
ALICE = person(1, "19850315")  # 张一: has a tax penalty (public) and a traffic penalty (authorised)
BOB = person(2, "19900101")  # 张二: has one tax penalty
STAFF_ROLES = (Role.REVIEWER, Role.OPERATOR, Role.AUDITOR)
# "partitioned": PostgreSQL with records and record_versions hash-partitioned by subject key
# (`chengxin db partition`); a module marked `layouts` runs its `node` tests on it too.
KINDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
LAYOUTS = [*KINDS, pytest.param("partitioned", marks=pytest.mark.postgres)]


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


class Platform:
    def __init__(self, rt: Runtime, client: TestClient, clock: Clock, tmp: Path) -> None:
        self.rt, self.client, self.clock, self.tmp = rt, client, clock, tmp
        self.tokens: dict[str, str] = {}
        self.csrf: dict[str, str] = {}
        self.cookies: dict[str, str] = {}

    @property
    def cookie_name(self) -> str:
        return session_cookie_name(self.rt.settings.cookie_secure)

    # --- set-up helpers ---------------------------------------------------------------------

    def ingest(self, rows: list[list[str]], item: str, name: str) -> None:
        path = write_csv(self.tmp / name, PENALTY_HEADERS, rows)
        collection.ingest_file(
            self.rt.sessions, self.rt.keys, self.rt.catalog, self.clock, path=path,
            source_code="TAX-BJ", item_code=item, actor="test", limits=Limits(),
        )  # fmt: skip

    def account(self, username: str, role: Role, **kw: Any) -> None:
        with self.rt.sessions() as session, session.begin():
            accounts.create_account(
                session, self.clock(), username=username, password=PASSWORD, role=role,
                actor="test", **kw,
            )  # fmt: skip

    def login(self, username: str) -> None:
        """Log in over the API; the session cookie is kept per user, not in the client jar."""
        self.client.cookies.clear()
        answer = self.client.post(
            "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
        )
        assert answer.status_code == 200, answer.text
        self.csrf[username] = answer.json()["csrf_token"]
        self.cookies[username] = answer.cookies[self.cookie_name]
        self.client.cookies.clear()

    def grant(self, subject_id: Any, requester: str = "BANK-A", **kw: Any) -> str:
        levels = kw.pop("levels", None)
        with self.rt.sessions() as session, session.begin():
            consent = consents.grant_consent(
                session, self.rt.keys, self.clock(), subject_id=subject_id,
                requester_code=requester, purpose=kw.pop("purpose", Purpose.LOAN_APPROVAL),
                scope=parse_scope(levels, None), valid_until=dt.date(2027, 6, 30), actor="test",
            )  # fmt: skip
            return str(consent.id)

    def subject(self, id_number: str) -> Any:
        with self.rt.sessions() as session:
            return identity.find_person(session, self.rt.keys, id_number, self.clock().date())

    def checkpoint(self) -> None:
        from chengxin.ledger.service import sign_checkpoint  # noqa: PLC0415

        with self.rt.sessions() as session, session.begin():
            sign_checkpoint(
                session, self.rt.keys, self.clock(), origin=self.rt.settings.ledger_origin
            )

    # --- calls as a role --------------------------------------------------------------------

    def as_key(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[name]}"}

    def call(self, method: str, path: str, who: str | None = None, **kw: Any) -> Any:
        """A request as `who`: a key name (BANK-A, DEPT-M, TAX-BJ, NODE), a username, or None."""
        headers = dict(kw.pop("headers", {}))
        self.client.cookies.clear()
        if who in self.tokens:
            headers.update(self.as_key(who))
        elif who is not None:
            self.client.cookies.set(self.cookie_name, self.cookies[who])
            headers["X-CSRF-Token"] = self.csrf[who]
        try:
            return self.client.request(method, path, headers=headers, **kw)
        finally:
            self.client.cookies.clear()


def _build(rt: Runtime, clock: Clock) -> dict[str, str]:
    tokens: dict[str, str] = {}
    now = clock()
    with rt.sessions() as session, session.begin():
        source = sources.add_source(session, now, code="TAX-BJ", name="北京市税务局",
                                    region_code="110105", kind=SourceKind.GOVERNMENT_DEPARTMENT,
                                    actor="test")  # fmt: skip
        for item in ("PENALTY-TAX", "PENALTY-TRAFFIC"):
            sources.grant_item(session, rt.catalog, now, source, item, actor="test")
        tokens["TAX-BJ"] = sources.create_source_key(session, now, source, label="t", actor="t")[1]
        for code, kind in (("BANK-A", RequesterKind.BANK), ("BANK-B", RequesterKind.BANK),
                           ("DEPT-M", RequesterKind.GOVERNMENT_DEPARTMENT)):  # fmt: skip
            row = requesters.add_requester(session, now, code=code, name=f"{code} 名称",
                                           kind=kind, region_code="110000", actor="test")  # fmt: skip
            tokens[code] = create_api_key(session, now, owner_kind=KeyOwner.REQUESTER,
                                          owner_id=row.id, label="t", actor="t")[1]  # fmt: skip
        tokens["NODE"] = create_api_key(session, now, owner_kind=KeyOwner.NODE,
                                        owner_id=source.id, label="t", actor="t")[1]  # fmt: skip
    return tokens


@pytest.hookimpl(tryfirst=True)  # the mark must be there before pytest reads the marks
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "node" in metafunc.fixturenames and metafunc.definition.get_closest_marker("layouts"):
        # A parametrize mark takes precedence over the fixture's own params.
        metafunc.definition.add_marker(pytest.mark.parametrize("node", LAYOUTS, indirect=True))


@pytest.fixture(params=KINDS)
def node(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Platform]:
    """A whole node on each database (registered for every test folder by tests/conftest.py;
    a folder's own `node` fixture takes precedence)."""
    with platform(tmp_path, request.param) as p:
        yield p


@pytest.fixture
def sqlite_node(tmp_path: Path) -> Iterator[Platform]:
    with platform(tmp_path, "sqlite") as p:
        yield p


@dataclass(frozen=True)
class _Template:
    """A node built once per process: its data folder, its PostgreSQL database (None on
    SQLite), and the credentials of its keys and logged-in users."""

    folder: Path
    database: str | None
    tokens: dict[str, str]
    csrf: dict[str, str]
    cookies: dict[str, str]


_templates: dict[tuple[str, int, tuple[tuple[str, str], ...]], _Template] = {}
_open = [0]  # platforms open now: a second one open beside the first gets other keys


@contextmanager
def platform(tmp: Path, database: str, **env: str) -> Iterator[Platform]:
    """A whole node with data folder `tmp` on "sqlite" or "postgres". Building one takes seconds
    (migrations, password hashing), so each kind is built once per process and copied: files
    and database. Nodes open side by side are copies of different builds (their keys differ);
    settings naming a path are built afresh each time."""
    if any("/" in value for value in env.values()):
        assert database != "partitioned", "settings naming a path: sqlite or postgres only"
        url = fresh_pg_database() if database == "postgres" else nullcontext()
        with _built(tmp, env, url) as p:
            yield p
        return
    key = (database, _open[0], tuple(sorted(env.items())))
    if key not in _templates:
        _templates[key] = _template(database, env)
    template = _templates[key]
    shutil.copytree(template.folder, tmp, dirs_exist_ok=True)
    _open[0] += 1
    try:
        copy = fresh_pg_database(template.database) if template.database else nullcontext()
        with (
            copy as url,
            _runtime(tmp, url, env) as (rt, clock),
            TestClient(create_app(rt)) as client,
        ):
            p = Platform(rt, client, clock, tmp)
            p.tokens, p.csrf = dict(template.tokens), dict(template.csrf)
            p.cookies = dict(template.cookies)
            yield p
    finally:
        _open[0] -= 1


def _template(database: str, env: dict[str, str]) -> _Template:
    folder = Path(tempfile.mkdtemp(prefix="chengxin-node-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    name = None
    if database in {"postgres", "partitioned"}:
        name = pg_template(pg_database_name("node"))
        create_pg_database(name, migrated_template())
        if database == "partitioned":
            engine = make_engine(pg_url_of(name))
            partition_tables(engine, 4)
            engine.dispose()  # a template must have no connections when it is copied
    with _built(folder, env, nullcontext(pg_url_of(name) if name else None)) as p:
        return _Template(folder, name, p.tokens, p.csrf, p.cookies)


@contextmanager
def _built(tmp: Path, env: dict[str, str], url: AbstractContextManager[str | None]
           ) -> Iterator[Platform]:  # fmt: skip
    """Build a node from nothing (on the database at `url`, SQLite in `tmp` if None): keys,
    migrations, sources, records, accounts, logins."""
    with url as db_url:
        settings_env = _settings_env(tmp, db_url, env)
        create_key_file(load_settings(settings_env).resolved_key_file, NOW)
        with _runtime(tmp, db_url, env) as (rt, clock):
            migrate.upgrade(rt.engine)
            tokens = _build(rt, clock)
            with TestClient(create_app(rt)) as client:
                p = Platform(rt, client, clock, tmp)
                p.tokens = tokens
                p.ingest([penalty_row(1, number=ALICE, name="张一"),
                          penalty_row(2, number=BOB, name="张二")], "PENALTY-TAX", "tax.csv")  # fmt: skip
                p.ingest([penalty_row(3, number=ALICE, name="张一")], "PENALTY-TRAFFIC",
                         "traffic.csv")  # fmt: skip
                p.account("alice", Role.CITIZEN, subject_id=p.subject(ALICE))
                p.account("bank.clerk", Role.REQUESTER, requester_code="BANK-A")
                p.account("dept.clerk", Role.DEPARTMENT, requester_code="DEPT-M")
                for role in STAFF_ROLES:
                    p.account(f"the.{role}", role)
                for user in ("alice", "bank.clerk", "dept.clerk",
                             *(f"the.{r}" for r in STAFF_ROLES)):  # fmt: skip
                    p.login(user)
                yield p


def _settings_env(tmp: Path, url: str | None, env: dict[str, str]) -> dict[str, str]:
    settings_env = {"CHENGXIN_DATA_DIR": str(tmp), "CHENGXIN_COOKIE_SECURE": "false",
                    "CHENGXIN_CHECKPOINT_SECONDS": "3600", **env}  # fmt: skip
    if url:
        settings_env["CHENGXIN_DATABASE_URL"] = url
    return settings_env


@contextmanager
def _runtime(tmp: Path, url: str | None, env: dict[str, str]) -> Iterator[tuple[Runtime, Clock]]:
    clock = Clock(NOW)
    rt = Runtime(load_settings(_settings_env(tmp, url, env)), clock=clock)
    try:
        yield rt, clock
    finally:
        rt.close()  # a SQLite file is whole once its last connection closes (WAL checkpointed)
