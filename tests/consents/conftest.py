"""Fixtures of the consent and requester tests: people and requesters on a real database, and
an app with logged-in citizens, an operator and a reviewer."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from chengxin import migrate
from chengxin.access.accounts import create_account, log_in
from chengxin.access.deps import session_cookie_name
from chengxin.access.permissions import Role
from chengxin.app import create_app
from chengxin.identity.numbers import check_character
from chengxin.identity.service import register_person
from chengxin.keys import KeyRing, create_key_file
from chengxin.requesters.models import RequesterKind
from chengxin.requesters.service import add_requester
from chengxin.runtime import Runtime
from chengxin.settings import load_settings
from tests.conftest import NOW, fresh_pg_database


def id_number(n: int) -> str:
    """A valid citizen ID number, different for each n."""
    first17 = f"11010519800101{n % 1000:03d}"
    return first17 + check_character(first17)


REQUESTERS = (
    ("BANK-BJ", RequesterKind.BANK),
    ("LANDLORD-1", RequesterKind.LANDLORD),
    ("GOV-TAX", RequesterKind.GOVERNMENT_DEPARTMENT),
)


def seed(session: Session, keys: KeyRing, now: dt.datetime) -> tuple[uuid.UUID, uuid.UUID]:
    """Two people and three requesters; the two subject ids."""
    people = [
        register_person(session, keys, now, id_number(n), name, actor="test").subject_id
        for n, name in ((1, "张三"), (2, "李四"))
    ]
    for code, kind in REQUESTERS:
        add_requester(session, now, code=code, name=f"{code} 名称", kind=kind,
                      region_code="110105", actor="test")  # fmt: skip
    return people[0], people[1]


@dataclass
class World:
    sessions: sessionmaker[Session]
    keys: KeyRing
    now: dt.datetime
    zhang: uuid.UUID
    li: uuid.UUID


@pytest.fixture
def world(sessions: sessionmaker[Session], keys: KeyRing, now: dt.datetime) -> World:
    with sessions() as session, session.begin():
        zhang, li = seed(session, keys, now)
    return World(sessions, keys, now, zhang, li)


PASSWORD = "a long pass phrase"
CONSENT = {"requester": "BANK-BJ", "purpose": "loan_approval", "valid_until": "2027-05-31"}


class Api:
    def __init__(self, client: TestClient, logins: dict[str, tuple[str, str]]) -> None:
        self.client, self.logins = client, logins

    def headers(self, user: str | None) -> dict[str, str]:
        if user is None:
            return {}
        token, csrf = self.logins[user]
        return {"Cookie": f"{session_cookie_name(secure=False)}={token}", "X-CSRF-Token": csrf}

    def get(self, user: str | None, path: str) -> Any:
        return self.client.get(path, headers=self.headers(user))

    def post(self, user: str | None, path: str, body: dict[str, Any], *, csrf: bool = True) -> Any:
        headers = self.headers(user)
        if not csrf:
            headers.pop("X-CSRF-Token", None)
        return self.client.post(path, headers=headers, json=body)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    env = {"CHENGXIN_DATA_DIR": str(tmp_path), "CHENGXIN_COOKIE_SECURE": "false"}
    database = fresh_pg_database() if request.param == "postgres" else contextlib.nullcontext()
    with database as url:
        if url:
            env["CHENGXIN_DATABASE_URL"] = url
        settings = load_settings(env)
        create_key_file(settings.resolved_key_file, NOW)
        rt = Runtime(settings, clock=lambda: NOW)
        migrate.upgrade(rt.engine)
        logins = {}
        with rt.sessions() as session, session.begin():
            for code, kind in (("BANK-BJ", RequesterKind.BANK),
                               ("GOV-TAX", RequesterKind.GOVERNMENT_DEPARTMENT)):  # fmt: skip
                add_requester(session, NOW, code=code, name=f"{code} 名称", kind=kind,
                              region_code="110105", actor="t")  # fmt: skip
            for n, user in ((1, "zhang"), (2, "lisi")):
                subject = register_person(session, rt.keys, NOW, id_number(n), "张三李四"[n - 1],
                                          actor="t").subject_id  # fmt: skip
                create_account(session, NOW, username=user, password=PASSWORD, role=Role.CITIZEN,
                               actor="t", subject_id=subject)  # fmt: skip
            for user, role in (("op.one", Role.OPERATOR), ("rev.one", Role.REVIEWER)):
                create_account(session, NOW, username=user, password=PASSWORD, role=role,
                               actor="t")  # fmt: skip
            for user in ("zhang", "lisi", "op.one", "rev.one"):
                done = log_in(session, rt.keys, NOW, username=user, password=PASSWORD,
                              client="test", hours=8)  # fmt: skip
                assert done is not None
                logins[user] = (done.token, done.csrf_token)
        with TestClient(create_app(rt)) as client:
            yield Api(client, logins)


def problem(answer: Any, status: int, field: str, rule: str | None = None) -> None:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["field"] == field
    if rule is not None:
        assert body["rule"] == rule
