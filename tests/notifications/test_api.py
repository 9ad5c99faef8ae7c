"""R-4.1 notices: notification routes through the real app (a whole node): a citizen's inbox (站内信), marking
read, and the e-mail contact; another citizen cannot touch them; staff have no inbox route."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chengxin.access.permissions import Role
from chengxin.notifications import service
from tests.notifications.conftest import SmtpServer
from tests.platform import ALICE, BOB, Platform, platform

DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=DATABASES)
def node(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Platform]:
    with platform(tmp_path, request.param) as p:
        p.account("bob", Role.CITIZEN, subject_id=p.subject(BOB))
        p.login("bob")
        yield p


def notify(node: Platform, id_number: str, **kw: Any) -> uuid.UUID:
    subject_id = node.subject(id_number)
    texts = {"topic": "objection.accepted", "title_zh": "异议已受理", "title_en": "Objection accepted",
             "body_zh": "您的异议已受理。", "body_en": "Your objection has been accepted."}  # fmt: skip
    with node.rt.sessions() as session, session.begin():
        notice = service.notify(session, node.rt.keys, node.clock(), subject_id=subject_id,
                                **(texts | kw))  # fmt: skip
        return notice.id


def test_a_citizen_reads_the_inbox_and_marks_a_notice_read(node: Platform) -> None:
    first = notify(node, ALICE, ref="OBJ-1")
    second = notify(node, ALICE, topic="objection.decided", ref="OBJ-1")
    bobs = notify(node, BOB)
    answer = node.call("GET", "/api/v1/me/notifications", "alice")
    assert answer.status_code == 200, answer.text
    notices = answer.json()
    assert {n["id"] for n in notices} == {str(first), str(second)}
    assert notices[0]["title_zh"] == "异议已受理"
    assert set(notices[0]) == {"id", "topic", "title_zh", "title_en", "body_zh", "body_en", "ref",
                               "created_at", "read_at"}  # fmt: skip
    read = node.call("POST", f"/api/v1/me/notifications/{first}/read", "alice")
    assert read.status_code == 200, read.text
    assert read.json()["read_at"] is not None
    unread = node.call("GET", "/api/v1/me/notifications?unread=true&limit=10", "alice").json()
    assert [n["id"] for n in unread] == [str(second)]
    # Bob cannot mark Alice's notice, nor see it; Alice cannot mark Bob's.
    theirs = node.call("POST", f"/api/v1/me/notifications/{second}/read", "bob")
    assert theirs.status_code == 404
    assert theirs.json()["field"] == "notification_id"
    assert [n["id"] for n in node.call("GET", "/api/v1/me/notifications", "bob").json()] == [
        str(bobs)
    ]
    assert node.call("POST", f"/api/v1/me/notifications/{bobs}/read", "alice").status_code == 404
    unknown = node.call("POST", f"/api/v1/me/notifications/{uuid.uuid4()}/read", "alice")
    assert unknown.status_code == 404
    assert node.call("GET", "/api/v1/me/notifications?limit=0", "alice").status_code == 422
    assert node.call("GET", "/api/v1/me/notifications?limit=501", "alice").status_code == 422


def test_staff_and_the_public_have_no_citizen_inbox(node: Platform) -> None:
    for who, status in ((None, 401), ("the.operator", 403), ("BANK-A", 403)):
        answer = node.call("GET", "/api/v1/me/notifications", who)
        assert answer.status_code == status
        assert answer.json()["rule"] == "own:notifications:write"


def test_a_citizen_sets_sees_masked_and_removes_the_contact(node: Platform) -> None:
    empty = node.call("GET", "/api/v1/me/contact", "alice")
    assert empty.json() == {"email": None, "verified": False, "updated_at": None}
    put = node.call("PUT", "/api/v1/me/contact", "alice", json={"email": "zhang.yi@example.com"})
    assert put.status_code == 200, put.text
    assert put.json()["email"] == "z***@example.com"
    assert put.json()["verified"] is False
    got = node.call("GET", "/api/v1/me/contact", "alice")
    assert got.json()["email"] == "z***@example.com"
    assert "zhang.yi" not in got.text
    assert node.call("GET", "/api/v1/me/contact", "bob").json()["email"] is None
    deleted = node.call("DELETE", "/api/v1/me/contact", "alice")
    assert deleted.status_code == 204
    assert node.call("GET", "/api/v1/me/contact", "alice").json()["email"] is None
    assert node.call("DELETE", "/api/v1/me/contact", "alice").status_code == 204


HOSTILE: list[tuple[Any, str]] = [
    ({"email": "zhang@example.com\r\nBcc: all@example.com"}, "whitespace"),
    ({"email": "zhang@example.com\nX-Injected: 1"}, "whitespace"),
    ({"email": "z" * 288 + "@example.com"}, "string_too_long"),
    ({"email": "zhang@li@example.com"}, "one-at"),
    ({"email": ""}, "required"),
    ({"email": None}, "string_type"),
    ({"email": "zhang@example.com", "verified": True}, "extra_forbidden"),
    ({}, "missing"),
]


def test_hostile_contact_input_is_refused(node: Platform) -> None:
    for body, rule in HOSTILE:
        answer = node.call("PUT", "/api/v1/me/contact", "alice", json=body)
        assert answer.status_code == 422, answer.text
        problem = answer.json()
        assert (problem["rule"], problem["field"]) == (
            rule,
            "verified" if rule == "extra_forbidden" else "email",
        )
    assert node.call("GET", "/api/v1/me/contact", "alice").json()["email"] is None
    node.client.cookies.set(node.cookie_name, node.cookies["alice"])
    try:  # a session write without its CSRF token
        answer = node.client.put("/api/v1/me/contact", json={"email": "a@example.com"},
                                 headers={"X-CSRF-Token": "wrong"})  # fmt: skip
    finally:
        node.client.cookies.clear()
    assert answer.status_code == 403


def test_the_server_delivers_in_the_background(tmp_path: Path, smtp_server: SmtpServer) -> None:
    env = {"CHENGXIN_SMTP_HOST": smtp_server.host, "CHENGXIN_SMTP_PORT": str(smtp_server.port),
           "CHENGXIN_NOTIFY_SECONDS": "0.1"}  # fmt: skip
    with platform(tmp_path, "sqlite", **env) as node:
        put = node.call(
            "PUT", "/api/v1/me/contact", "alice", json={"email": "zhang.yi@example.com"}
        )
        assert put.status_code == 200, put.text
        notify(node, ALICE)
        deadline = time.monotonic() + 10
        while not smtp_server.received and time.monotonic() < deadline:
            time.sleep(0.05)
    (got,) = smtp_server.received
    assert got.rcpt_tos == ["zhang.yi@example.com"]
    assert got.message["Subject"] == "异议已受理 / Objection accepted"
