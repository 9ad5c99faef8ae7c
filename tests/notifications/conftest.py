"""Fixtures of the notification tests: people on a real database, and a real SMTP server on
loopback (aiosmtpd) that keeps what it receives."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.orm import Session, sessionmaker

from chengxin.identity.numbers import check_character
from chengxin.identity.service import register_person
from chengxin.keys import KeyRing
from chengxin.notifications import service
from chengxin.notifications.models import Notification
from chengxin.settings import Settings, load_settings


def id_number(n: int) -> str:
    first17 = f"11010519800101{n % 1000:03d}"
    return first17 + check_character(first17)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class Mailbox:
    """The handler aiosmtpd calls: keeps every message it accepts."""

    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    host: str
    port: int
    mailbox: Mailbox

    @property
    def received(self) -> list[Received]:
        return self.mailbox.received


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, mailbox)
    finally:
        controller.stop()


def smtp_settings(tmp: Any, port: int | None, **extra: str) -> Settings:
    env = {"CHENGXIN_DATA_DIR": str(tmp), "CHENGXIN_SMTP_FROM": "credit@chengxin.example"}
    if port is not None:
        env |= {"CHENGXIN_SMTP_HOST": "127.0.0.1", "CHENGXIN_SMTP_PORT": str(port)}
    return load_settings(env | extra)


@dataclass
class World:
    sessions: sessionmaker[Session]
    keys: KeyRing
    now: dt.datetime
    zhang: uuid.UUID
    li: uuid.UUID

    def notify(self, subject_id: uuid.UUID | None = None, **kw: Any) -> Notification:
        texts = {
            "topic": "objection.accepted", "title_zh": "异议已受理", "title_en": "Objection accepted",
            "body_zh": "您提出的异议已受理，我们将在规定期限内答复。",
            "body_en": "Your objection has been accepted; you will have an answer in time.",
            "ref": "OBJ-1",
        }  # fmt: skip
        with self.sessions() as session, session.begin():
            return service.notify(
                session, self.keys, kw.pop("now", self.now),
                **({"subject_id": subject_id} if subject_id else {}), **(texts | kw),
            )  # fmt: skip

    def set_contact(self, subject_id: uuid.UUID, address: str) -> None:
        with self.sessions() as session, session.begin():
            service.set_contact(session, self.keys, self.now, subject_id=subject_id, email=address)


def seed_people(session: Session, keys: KeyRing, now: dt.datetime) -> tuple[uuid.UUID, uuid.UUID]:
    return tuple(  # type: ignore[return-value]
        register_person(session, keys, now, id_number(n), name, actor="test").subject_id
        for n, name in ((1, "张三"), (2, "李四"))
    )


@pytest.fixture
def world(sessions: sessionmaker[Session], keys: KeyRing, now: dt.datetime) -> World:
    with sessions() as session, session.begin():
        zhang, li = seed_people(session, keys, now)
    return World(sessions, keys, now, zhang, li)


@pytest.fixture
def committed_world(
    committing_sessions: sessionmaker[Session], keys: KeyRing, now: dt.datetime
) -> World:
    """A world whose commits are real (several workers see each other's claims)."""
    with committing_sessions() as session, session.begin():
        zhang, li = seed_people(session, keys, now)
    return World(committing_sessions, keys, now, zhang, li)
