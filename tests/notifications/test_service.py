"""R-4.1 notices, the verbs: notify writes the inbox and (with an address) the outbox in the caller's
transaction; the inbox and marking read; the e-mail contact, sealed and validated."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from chengxin.access.accounts import create_account
from chengxin.access.permissions import Role
from chengxin.errors import ChengxinError, InvalidInput, NotFound
from chengxin.keys import DecryptionError
from chengxin.notifications import service
from chengxin.notifications.models import Contact, Notification, OutboxEmail, OutboxStatus
from tests.notifications.conftest import World, id_number


def _outbox(world: World) -> list[OutboxEmail]:
    with world.sessions() as session:
        return list(session.scalars(select(OutboxEmail)))


def test_notify_writes_the_inbox_and_an_outbox_email_only_with_an_address(world: World) -> None:
    first = world.notify(world.zhang)
    assert (first.subject_id, first.account_id, first.read_at) == (world.zhang, None, None)
    assert _outbox(world) == []
    world.set_contact(world.zhang, "zhang.san@example.com")
    second = world.notify(world.zhang, topic="repair.approved", ref=None)
    (email,) = _outbox(world)
    assert (email.notification_id, email.subject_id) == (second.id, world.zhang)
    assert (email.status, email.attempts, email.next_attempt_at) == (
        OutboxStatus.PENDING, 0, world.now,
    )  # fmt: skip
    assert (email.last_error, email.sent_at) == (None, None)
    with world.sessions() as session:
        inbox = service.inbox(session, subject_id=world.zhang)
        assert {n.id for n in inbox} == {first.id, second.id}
        assert service.inbox(session, subject_id=world.li) == []


def test_notify_commits_or_rolls_back_with_the_callers_change(world: World) -> None:
    world.set_contact(world.zhang, "zhang@example.com")

    class CallerFailedError(Exception):
        pass

    def change_that_fails() -> None:
        with world.sessions() as session, session.begin():
            service.notify(session, world.keys, world.now, subject_id=world.zhang, topic="a.b",
                           title_zh="标题", title_en="Title", body_zh="正文", body_en="Body")  # fmt: skip
            raise CallerFailedError  # the caller's own change fails after the notice was written

    with pytest.raises(CallerFailedError):
        change_that_fails()
    with world.sessions() as session:
        assert session.scalars(select(Notification)).all() == []
    assert _outbox(world) == []


def test_staff_notices_go_to_the_inbox_only(world: World) -> None:
    with world.sessions() as session, session.begin():
        account = create_account(session, world.now, username="op.one", password="a long pass",
                                 role=Role.OPERATOR, actor="t")  # fmt: skip
        account_id = account.id
    notice = world.notify(
        None, account_id=account_id, topic="deadline.overdue", title_zh="期限已过",
        title_en="Deadline passed", body_zh="一件异议已超过答复期限。",
        body_en="An objection is past its deadline.",
    )  # fmt: skip
    assert (notice.subject_id, notice.account_id) == (None, account_id)
    assert _outbox(world) == []
    with world.sessions() as session:
        assert [n.id for n in service.inbox(session, account_id=account_id)] == [notice.id]
        with pytest.raises(NotFound):
            service.mark_read(session, world.now, notification_id=notice.id, subject_id=world.zhang)
        read = service.mark_read(session, world.now, notification_id=notice.id,
                                 account_id=account_id)  # fmt: skip
        assert read.read_at == world.now


@pytest.mark.parametrize(
    ("recipient", "rule"),
    [({}, "one-recipient"), ({"subject_id": uuid.uuid4(), "account_id": uuid.uuid4()},
                             "one-recipient")],
)  # fmt: skip
def test_a_notice_has_exactly_one_recipient(
    world: World, recipient: dict[str, Any], rule: str
) -> None:
    with world.sessions() as session, pytest.raises(InvalidInput) as caught:
        service.notify(session, world.keys, world.now, topic="a.b", title_zh="标题",
                       title_en="T", body_zh="正文", body_en="B", **recipient)  # fmt: skip
    assert (caught.value.field, caught.value.rule) == ("recipient", rule)


def test_the_database_refuses_a_notice_with_two_recipients_too(world: World) -> None:
    notice = world.notify(world.zhang)
    with pytest.raises(IntegrityError), world.sessions() as session, session.begin():
        session.execute(
            update(Notification)
            .where(Notification.id == notice.id)
            .values(subject_id=None, account_id=None)
        )


def test_unknown_recipients_are_refused(world: World) -> None:
    with world.sessions() as session, pytest.raises(NotFound) as caught:
        service.notify(session, world.keys, world.now, subject_id=uuid.uuid4(), topic="a.b",
                       title_zh="标题", title_en="T", body_zh="正文", body_en="B")  # fmt: skip
    assert caught.value.field == "subject_id"


BAD_TEXTS: list[tuple[dict[str, Any], str, str]] = [
    ({"topic": "Objection Accepted"}, "topic", "topic"),
    ({"topic": "a" * 65}, "topic", "topic"),
    ({"title_zh": ""}, "title_zh", "required"),
    ({"title_en": "   "}, "title_en", "required"),
    ({"title_en": "x" * 201}, "title_en", "max-length"),
    ({"title_en": "Accepted\r\nBcc: all@example.com"}, "title_en", "control"),
    ({"body_zh": "长" * 2001}, "body_zh", "max-length"),
    ({"body_en": "a\x00b"}, "body_en", "control"),
    ({"body_zh": f"身份证号 {id_number(3)} 的异议"}, "body_zh", "no-id-number"),
    ({"ref": "r" * 101}, "ref", "max-length"),
]


@pytest.mark.parametrize(("change", "field", "rule"), BAD_TEXTS)
def test_notice_texts_are_short_plain_and_name_nobody(
    world: World, change: dict[str, Any], field: str, rule: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        world.notify(world.zhang, **change)
    assert (caught.value.field, caught.value.rule) == (field, rule)


def test_bodies_may_have_line_breaks_and_reach_2000_characters(world: World) -> None:
    notice = world.notify(world.zhang, body_zh="第一行\n第二行\t" + "字" * 1992)
    assert len(notice.body_zh) == 2000


def test_inbox_unread_only_limit_and_mark_read(world: World) -> None:
    notices = [world.notify(world.zhang, now=world.now + dt.timedelta(minutes=i), ref=f"R{i}")
               for i in range(3)]  # fmt: skip
    later = world.now + dt.timedelta(hours=1)
    with world.sessions() as session, session.begin():
        assert [n.ref for n in service.inbox(session, subject_id=world.zhang)] == ["R2", "R1", "R0"]
        assert [n.ref for n in service.inbox(session, subject_id=world.zhang, limit=1)] == ["R2"]
        service.mark_read(session, later, notification_id=notices[1].id, subject_id=world.zhang)
    with world.sessions() as session, session.begin():
        unread = service.inbox(session, subject_id=world.zhang, unread_only=True)
        assert [n.ref for n in unread] == ["R2", "R0"]
        assert service.unread_count(session, subject_id=world.zhang) == 2
        again = service.mark_read(session, later + dt.timedelta(hours=1),
                                  notification_id=notices[1].id, subject_id=world.zhang)  # fmt: skip
        assert again.read_at == later  # the first reading counts
    with world.sessions() as session:
        with pytest.raises(NotFound) as caught:
            service.mark_read(session, later, notification_id=notices[0].id, subject_id=world.li)
        assert caught.value.field == "notification_id"
        with pytest.raises(InvalidInput):
            service.inbox(session, subject_id=world.zhang, limit=0)


def test_the_contact_is_sealed_bound_to_its_row_and_shown_masked(world: World) -> None:
    world.set_contact(world.zhang, "Zhang.San+credit@Example.COM")
    world.set_contact(world.li, "li@example.org")
    with world.sessions() as session:
        raw = session.scalars(select(Contact.email_enc)).all()
        assert all(b"example" not in token for token in raw)
        assert service.contact_address(session, world.keys, subject_id=world.zhang) == (
            "Zhang.San+credit@example.com"
        )
        view = service.contact_view(session, world.keys, subject_id=world.zhang)
        assert view is not None
        assert (view.masked_email, view.verified_at) == ("Z***@example.com", None)
        assert service.contact_view(session, world.keys, subject_id=uuid.uuid4()) is None
    with world.sessions() as session, session.begin():  # a ciphertext moved to another row
        zhang = session.scalars(select(Contact).where(Contact.subject_id == world.zhang)).one()
        li = session.scalars(select(Contact).where(Contact.subject_id == world.li)).one()
        li.email_enc = zhang.email_enc
    with world.sessions() as session, pytest.raises(DecryptionError):
        service.contact_address(session, world.keys, subject_id=world.li)


def test_replacing_and_clearing_the_contact(world: World) -> None:
    world.set_contact(world.zhang, "old@example.com")
    world.set_contact(world.zhang, "new@example.com")
    with world.sessions() as session:
        assert session.scalars(select(Contact)).all()[0].subject_id == world.zhang
        assert len(session.scalars(select(Contact)).all()) == 1
        assert service.contact_address(session, world.keys, subject_id=world.zhang) == (
            "new@example.com"
        )
    world.notify(world.zhang)
    with world.sessions() as session, session.begin():
        assert service.clear_contact(session, subject_id=world.zhang) is True
    with world.sessions() as session, session.begin():
        assert service.clear_contact(session, subject_id=world.zhang) is False
        assert service.contact_address(session, world.keys, subject_id=world.zhang) is None
    (email,) = _outbox(world)
    assert (email.status, email.last_error) == (OutboxStatus.FAILED, "ContactRemoved")
    world.notify(world.zhang)  # no address: inbox only
    assert len(_outbox(world)) == 1


HOSTILE_ADDRESSES: list[tuple[str, str]] = [
    ("", "required"),
    ("zhang@example.com\r\nBcc: everyone@example.com", "whitespace"),
    ("zhang@example.com\nBcc: everyone@example.com", "whitespace"),
    ("zhang@example.com%0d%0aBcc:x@example.com", "one-at"),
    ("zhang san@example.com", "whitespace"),
    (" zhang@example.com", "whitespace"),
    ("zhang@example.com\x00", "whitespace"),
    ("a" * 290 + "@example.com", "max-length"),
    ("zhang@@example.com", "one-at"),
    ("zhang@li@example.com", "one-at"),
    ("zhang.example.com", "one-at"),
    ("@example.com", "local-part"),
    ("zh..ang@example.com", "local-part"),
    ('"zhang"@example.com', "local-part"),
    ("<zhang@example.com>", "local-part"),
    ("zhang@example", "domain"),
    ("zhang@-example.com", "domain"),
    ("zhang@example..com", "domain"),
    ("zhang@127.0.0.1", "domain"),
    ("zhang@[127.0.0.1]", "domain"),
    ("张三@例子.中国", "ascii"),
    ("a" * 65 + "@example.com", "local-part"),
]


@pytest.mark.parametrize(("address", "rule"), HOSTILE_ADDRESSES)
def test_hostile_addresses_are_refused_naming_the_field(
    world: World, address: str, rule: str
) -> None:
    with world.sessions() as session, pytest.raises(InvalidInput) as caught:
        service.set_contact(session, world.keys, world.now, subject_id=world.zhang, email=address)
    assert (caught.value.field, caught.value.rule) == ("email", rule)
    assert address.strip() == "" or address not in str(caught.value)


def test_a_contact_needs_a_known_subject(world: World) -> None:
    with world.sessions() as session, pytest.raises(ChengxinError) as caught:
        service.set_contact(session, world.keys, world.now, subject_id=uuid.uuid4(),
                            email="x@example.com")  # fmt: skip
    assert caught.value.field == "subject_id"


@pytest.mark.parametrize(
    ("address", "masked"),
    [("zhang@example.com", "z***@example.com"), ("z@qq.com", "z***@qq.com")],
)
def test_mask_email(address: str, masked: str) -> None:
    assert service.mask_email(address) == masked


def test_outbox_summary_counts_statuses_and_the_oldest_wait(world: World) -> None:
    with world.sessions() as session:
        empty = service.outbox_summary(session, world.now)
    assert empty.counts == {"pending": 0, "sending": 0, "sent": 0, "failed": 0}
    assert empty.oldest_waiting_at is None
    world.set_contact(world.zhang, "zhang@example.com")
    world.notify(world.zhang, now=world.now - dt.timedelta(minutes=30))
    world.notify(world.zhang)
    with world.sessions() as session:
        summary = service.outbox_summary(session, world.now)
    assert summary.counts["pending"] == 2
    assert summary.oldest_waiting_at == world.now - dt.timedelta(minutes=30)
    assert summary.oldest_waiting_seconds == 1800.0
