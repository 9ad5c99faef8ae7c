"""Notification verbs: `notify` (the inbox row, and an outbox e-mail when the citizen has an
address), reading and marking the inbox, and a citizen's e-mail contact. Each runs inside the
caller's transaction, so a notice commits together with the change it reports."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chengxin.access.models import Account
from chengxin.errors import InvalidInput, NotFound
from chengxin.identity.models import Subject
from chengxin.keys import KeyRing
from chengxin.logs import redact
from chengxin.notifications.models import Contact, Notification, OutboxEmail, OutboxStatus
from chengxin.sealed import seal, unseal

MAX_TITLE_CHARS = 200
MAX_BODY_CHARS = 2000
MAX_REF_CHARS = 100
MAX_EMAIL_CHARS = 254  # RFC 5321's path limit less the angle brackets
MAX_LOCAL_CHARS = 64
MAX_INBOX = 500
CONTACT_TABLE = "notification_contacts"
CONTACT_COLUMN = "email_enc"

_TOPIC = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*$")
# A dot-atom local part (RFC 5322) and a host name of letters, digits and hyphens with a dot.
_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_BODY_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")  # \t and \n allowed


@dataclass(frozen=True)
class ContactView:
    """What a citizen is shown of their contact: the address masked."""

    masked_email: str
    updated_at: dt.datetime
    verified_at: dt.datetime | None


@dataclass(frozen=True)
class OutboxSummary:
    counts: dict[str, int]
    oldest_waiting_at: dt.datetime | None
    oldest_waiting_seconds: float | None


# --- pure checks ------------------------------------------------------------------------------


def _text(value: str, field: str, limit: int, control: re.Pattern[str]) -> str:
    if not value.strip():
        raise InvalidInput("must not be empty", field=field, rule="required")
    if len(value) > limit:
        raise InvalidInput(f"must be at most {limit} characters", field=field, rule="max-length")
    if control.search(value):
        raise InvalidInput("must not contain control characters", field=field, rule="control")
    if redact(value) != value:
        raise InvalidInput(
            "must not contain an ID number or USCC (texts of notices are not sealed)",
            field=field, rule="no-id-number",
        )  # fmt: skip
    return value


def clean_email(email: str) -> str:
    """The address if it is one we send to; InvalidInput (field `email`) otherwise. Refuses
    whitespace and line breaks anywhere (header injection), more than 254 characters, anything
    but exactly one @, and non-ASCII (write an internationalised domain as xn--…). The domain is
    lower-cased."""

    def refuse(message: str, rule: str) -> InvalidInput:
        return InvalidInput(message, field="email", rule=rule)

    if not email:
        raise refuse("must not be empty", "required")
    if len(email) > MAX_EMAIL_CHARS:
        raise refuse(f"must be at most {MAX_EMAIL_CHARS} characters", "max-length")
    if any(c.isspace() for c in email) or _CONTROL.search(email):
        raise refuse("must not contain spaces, line breaks or control characters", "whitespace")
    if not email.isascii():
        raise refuse("must be ASCII (an internationalised domain as xn--…)", "ascii")
    if email.count("@") != 1:
        raise refuse("must contain exactly one @", "one-at")
    local, domain = email.split("@")
    if not local or len(local) > MAX_LOCAL_CHARS or not _LOCAL.match(local):
        raise refuse("the part before @ is not a mailbox name", "local-part")
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise refuse("the part after @ is not a domain name (like example.com)", "domain")
    if labels[-1].isdigit():
        raise refuse("the part after @ must be a domain name, not an address", "domain")
    return f"{local}@{domain.lower()}"


def mask_email(email: str) -> str:
    """`zhang@example.com` → `z***@example.com`."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


# --- the inbox --------------------------------------------------------------------------------


def _recipient(subject_id: uuid.UUID | None, account_id: uuid.UUID | None) -> None:
    if (subject_id is None) == (account_id is None):
        raise InvalidInput(
            "give exactly one of subject_id and account_id", field="recipient", rule="one-recipient"
        )


def notify(
    session: Session,
    keys: KeyRing,  # noqa: ARG001  (the agreed signature: a staff address will be sealed with it)
    now: dt.datetime,
    *,
    subject_id: uuid.UUID | None = None,
    account_id: uuid.UUID | None = None,
    topic: str,
    title_zh: str,
    title_en: str,
    body_zh: str,
    body_en: str,
    ref: str | None = None,
) -> Notification:
    """A notice to a citizen (subject_id) or a staff account (account_id): always an inbox row,
    and an outbox e-mail when the citizen has an address. Runs in the caller's transaction.

    Texts are short (titles 200, bodies 2000 characters) and must not name the person: the caller
    writes "your objection …", never an ID number or a full name (ID-shaped numbers are refused)."""
    _recipient(subject_id, account_id)
    if len(topic) > 64 or not _TOPIC.match(topic):
        raise InvalidInput(
            "must be dotted lower-case words of at most 64 characters (objection.accepted)",
            field="topic", rule="topic",
        )  # fmt: skip
    texts = {
        "title_zh": _text(title_zh, "title_zh", MAX_TITLE_CHARS, _CONTROL),
        "title_en": _text(title_en, "title_en", MAX_TITLE_CHARS, _CONTROL),
        "body_zh": _text(body_zh, "body_zh", MAX_BODY_CHARS, _BODY_CONTROL),
        "body_en": _text(body_en, "body_en", MAX_BODY_CHARS, _BODY_CONTROL),
    }
    if ref is not None:
        ref = _text(ref, "ref", MAX_REF_CHARS, _CONTROL)
    if subject_id is not None and session.get(Subject, subject_id) is None:
        raise NotFound("no subject has this id", field="subject_id")
    if account_id is not None and session.get(Account, account_id) is None:
        raise NotFound("no account has this id", field="account_id")
    notice = Notification(
        id=uuid.uuid4(), subject_id=subject_id, account_id=account_id, topic=topic, ref=ref,
        created_at=now, read_at=None, **texts,
    )  # fmt: skip
    session.add(notice)
    if subject_id is not None and has_contact(session, subject_id=subject_id):
        session.flush()  # the outbox row refers to the notice
        email = OutboxEmail(
            id=uuid.uuid4(), notification_id=notice.id, subject_id=subject_id,
            status=OutboxStatus.PENDING, attempts=0, next_attempt_at=now, last_error=None,
            created_at=now, sent_at=None,
        )  # fmt: skip
        session.add(email)
    session.flush()
    return notice


def inbox(
    session: Session,
    *,
    subject_id: uuid.UUID | None = None,
    account_id: uuid.UUID | None = None,
    unread_only: bool = False,
    limit: int = 50,
) -> list[Notification]:
    """A citizen's or a staff account's notices, newest first."""
    _recipient(subject_id, account_id)
    if not 1 <= limit <= MAX_INBOX:
        raise InvalidInput(f"must be 1 to {MAX_INBOX}", field="limit", rule="range")
    query = select(Notification).order_by(Notification.created_at.desc(), Notification.id)
    if subject_id is not None:
        query = query.where(Notification.subject_id == subject_id)
    else:
        query = query.where(Notification.account_id == account_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(session.scalars(query.limit(limit)))


def unread_count(
    session: Session, *, subject_id: uuid.UUID | None = None, account_id: uuid.UUID | None = None
) -> int:
    _recipient(subject_id, account_id)
    query = select(func.count()).select_from(Notification).where(Notification.read_at.is_(None))
    if subject_id is not None:
        query = query.where(Notification.subject_id == subject_id)
    else:
        query = query.where(Notification.account_id == account_id)
    return session.scalar(query) or 0


def mark_read(
    session: Session,
    now: dt.datetime,
    *,
    notification_id: uuid.UUID,
    subject_id: uuid.UUID | None = None,
    account_id: uuid.UUID | None = None,
) -> Notification:
    """Mark one of the caller's notices read (the first time counts). Someone else's notice is
    answered as unknown, so the answer confirms nothing about it."""
    _recipient(subject_id, account_id)
    query = select(Notification).where(Notification.id == notification_id)
    if subject_id is not None:
        query = query.where(Notification.subject_id == subject_id)
    else:
        query = query.where(Notification.account_id == account_id)
    notice = session.scalar(query)
    if notice is None:
        raise NotFound("no notice of yours has this id", field="notification_id")
    if notice.read_at is None:
        notice.read_at = now
        session.flush()
    return notice


# --- the e-mail contact -----------------------------------------------------------------------


def has_contact(session: Session, *, subject_id: uuid.UUID) -> bool:
    return session.scalar(select(Contact.id).where(Contact.subject_id == subject_id)) is not None


def _seal(keys: KeyRing, contact_id: uuid.UUID, email: str) -> bytes:
    return seal(keys, CONTACT_TABLE, CONTACT_COLUMN, contact_id, email)


def set_contact(
    session: Session, keys: KeyRing, now: dt.datetime, *, subject_id: uuid.UUID, email: str
) -> Contact:
    """Set (or replace) a citizen's e-mail address, sealed. Unverified: no mail confirms it."""
    address = clean_email(email)
    if session.get(Subject, subject_id) is None:
        raise NotFound("no subject has this id", field="subject_id")
    contact = session.scalar(select(Contact).where(Contact.subject_id == subject_id))
    if contact is None:
        try:
            # A savepoint: if the same citizen's other request creates the row first, the unique
            # subject refuses ours and the address is replaced below instead.
            with session.begin_nested():
                contact = Contact(id=uuid.uuid4(), subject_id=subject_id, created_at=now,
                                  updated_at=now, verified_at=None)  # fmt: skip
                contact.email_enc = _seal(keys, contact.id, address)
                session.add(contact)
            return contact
        except IntegrityError:
            contact = session.scalars(select(Contact).where(Contact.subject_id == subject_id)).one()
    contact.email_enc = _seal(keys, contact.id, address)
    contact.updated_at = now
    contact.verified_at = None
    session.flush()
    return contact


def clear_contact(session: Session, *, subject_id: uuid.UUID) -> bool:
    """Remove a citizen's address (the row is deleted: the person asked for it to go). E-mails
    still waiting for them are given up; the notices stay in the inbox. True if there was one."""
    contact = session.scalar(select(Contact).where(Contact.subject_id == subject_id))
    if contact is None:
        return False
    session.delete(contact)
    session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.subject_id == subject_id, OutboxEmail.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.FAILED, last_error="ContactRemoved")
    )
    session.flush()
    return True


def contact_address(session: Session, keys: KeyRing, *, subject_id: uuid.UUID) -> str | None:
    """The citizen's address in clear, for sending only; never log or show it."""
    contact = session.scalar(select(Contact).where(Contact.subject_id == subject_id))
    if contact is None:
        return None
    return unseal(keys, CONTACT_TABLE, CONTACT_COLUMN, contact.id, contact.email_enc)


def contact_view(session: Session, keys: KeyRing, *, subject_id: uuid.UUID) -> ContactView | None:
    contact = session.scalar(select(Contact).where(Contact.subject_id == subject_id))
    if contact is None:
        return None
    address = unseal(keys, CONTACT_TABLE, CONTACT_COLUMN, contact.id, contact.email_enc)
    return ContactView(mask_email(address), contact.updated_at, contact.verified_at)


# --- the outbox, for operators ----------------------------------------------------------------


def outbox_summary(session: Session, now: dt.datetime) -> OutboxSummary:
    """E-mails per status and the age of the oldest one waiting (no addresses)."""
    counts = {status.value: 0 for status in OutboxStatus}
    for status, n in session.execute(
        select(OutboxEmail.status, func.count()).group_by(OutboxEmail.status)
    ):
        counts[OutboxStatus(status).value] = n
    oldest = session.scalar(
        select(func.min(OutboxEmail.created_at)).where(
            OutboxEmail.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING])
        )
    )
    age = None if oldest is None else max(0.0, (now - oldest).total_seconds())
    return OutboxSummary(counts, oldest, age)
