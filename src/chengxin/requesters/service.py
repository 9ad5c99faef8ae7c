"""Requester verbs (R-3.5): the registry of requesters and departments, their violations, the
violation blacklist (违规经营黑名单), their API keys and staff accounts.

Every state change writes a `requester` ledger entry in the caller's transaction. Entries carry
codes, ids, dates and hashes only: free text (reasons, descriptions) stays in the tables and is
represented in the ledger by its SHA-256, so the log proves it unchanged without publishing it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chengxin.access.accounts import create_account
from chengxin.access.models import Account, ApiKey, KeyOwner
from chengxin.access.permissions import Role
from chengxin.access.service import create_api_key, keys_of, revoke_api_key
from chengxin.clock import china_today
from chengxin.errors import Conflict, InvalidInput, NotFound
from chengxin.identity.numbers import parse_uscc, region_of
from chengxin.ledger.service import append_entry
from chengxin.requesters.models import (
    BlacklistEvent,
    Requester,
    RequesterBlacklistEvent,
    RequesterKind,
    RequesterViolation,
)

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,31}$")
MAX_NAME_CHARS = 200
MAX_DESCRIPTION_CHARS = 1000
MAX_REASON_CHARS = 500
MAX_DOCUMENT_CHARS = 100


def _text(raw: str, field: str, limit: int) -> str:
    text = raw.strip()
    if not text or len(text) > limit:
        raise InvalidInput(f"must be 1 to {limit} characters", field=field, rule="length")
    return text


def _document(raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None
    return _text(raw, "document_number", MAX_DOCUMENT_CHARS)


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _log(session: Session, now: dt.datetime, requester: Requester, event: str, **extra: Any) -> int:
    entry = {"kind": "requester", "event": event, "requester": requester.code}
    entry.update({k: v for k, v in extra.items() if v is not None})
    return append_entry(session, now, entry)


def add_requester(
    session: Session,
    now: dt.datetime,
    *,
    code: str,
    name: str,
    kind: RequesterKind,
    region_code: str,
    uscc: str | None = None,
    actor: str,
) -> Requester:
    """Register a requester (查询机构) or an implementing department (实施部门)."""
    if not _CODE.match(code):
        raise InvalidInput(
            "must be 2 to 32 capital letters, digits, - or _", field="code", rule="requester-code"
        )
    name = _text(name, "name", MAX_NAME_CHARS)
    if region_of(region_code) is None:
        raise InvalidInput(
            "is not an administrative division code", field="region_code", rule="region"
        )
    normalized = parse_uscc(uscc).normalized if uscc is not None and uscc.strip() else None
    requester = Requester(
        id=uuid.uuid4(), code=code, name=name, kind=kind, region_code=region_code,
        uscc=normalized, created_at=now, created_by=actor,
    )  # fmt: skip
    try:
        with session.begin_nested():
            session.add(requester)
    except IntegrityError:
        raise Conflict("a requester with this code exists", field="code", rule="unique") from None
    _log(session, now, requester, "registered", requester_kind=kind.value,
         region_code=region_code)  # fmt: skip
    return requester


def list_requesters(session: Session) -> list[Requester]:
    return list(session.scalars(select(Requester).order_by(Requester.code)))


def get_requester(session: Session, code: str) -> Requester:
    requester = session.scalar(select(Requester).where(Requester.code == code))
    if requester is None:
        raise NotFound("no requester has this code", field="requester")
    return requester


def violations_of(session: Session, requester_id: uuid.UUID) -> list[RequesterViolation]:
    return list(
        session.scalars(
            select(RequesterViolation)
            .where(RequesterViolation.requester_id == requester_id)
            .order_by(RequesterViolation.occurred_on, RequesterViolation.recorded_at)
        )
    )


def blacklist_history(session: Session, requester_id: uuid.UUID) -> list[RequesterBlacklistEvent]:
    return list(
        session.scalars(
            select(RequesterBlacklistEvent)
            .where(RequesterBlacklistEvent.requester_id == requester_id)
            .order_by(RequesterBlacklistEvent.at)
        )
    )


def record_violation(
    session: Session,
    now: dt.datetime,
    *,
    code: str,
    occurred_on: dt.date,
    description: str,
    document_number: str | None = None,
    actor: str,
) -> RequesterViolation:
    """Put a broken rule on the requester's file; blacklisting is a separate decision."""
    requester = get_requester(session, code)
    if occurred_on > china_today(now):
        raise InvalidInput("must not be in the future", field="occurred_on", rule="date-past")
    violation = RequesterViolation(
        id=uuid.uuid4(), requester_id=requester.id, occurred_on=occurred_on,
        description=_text(description, "description", MAX_DESCRIPTION_CHARS),
        document_number=_document(document_number), recorded_at=now, recorded_by=actor,
    )  # fmt: skip
    session.add(violation)
    session.flush()
    _log(session, now, requester, "violation", violation=str(violation.id),
         occurred_on=occurred_on.isoformat(), document_number=violation.document_number,
         description_hash=_hash(violation.description))  # fmt: skip
    return violation


def _blacklist_event(
    session: Session, now: dt.datetime, requester: Requester, *, event: BlacklistEvent,
    reason: str, document_number: str | None, actor: str,
) -> None:  # fmt: skip
    row = RequesterBlacklistEvent(
        id=uuid.uuid4(), requester_id=requester.id, event=event, reason=reason,
        document_number=document_number, at=now, actor=actor,
    )  # fmt: skip
    session.add(row)
    session.flush()
    ledger_event = "blacklisted" if event is BlacklistEvent.BLACKLISTED else "blacklist-lifted"
    _log(session, now, requester, ledger_event, requester_id=str(requester.id),
         document_number=document_number, reason_hash=_hash(reason))  # fmt: skip


def blacklist_requester(
    session: Session,
    now: dt.datetime,
    *,
    code: str,
    reason: str,
    actor: str,
    document_number: str | None = None,
) -> Requester:
    """Put a requester on the violation blacklist (违规经营黑名单) at once: from this commit on,
    every request of its keys and staff is refused (enforced in `access.deps`)."""
    requester = get_requester(session, code)
    reason = _text(reason, "reason", MAX_REASON_CHARS)
    document = _document(document_number)
    if requester.blacklisted_at is not None:
        raise InvalidInput("is already blacklisted", field="requester", rule="already-blacklisted")
    requester.blacklisted_at, requester.blacklisted_by = now, actor
    requester.blacklist_reason = reason
    _blacklist_event(session, now, requester, event=BlacklistEvent.BLACKLISTED, reason=reason,
                     document_number=document, actor=actor)  # fmt: skip
    return requester


def lift_blacklist(
    session: Session,
    now: dt.datetime,
    *,
    code: str,
    reason: str,
    actor: str,
    document_number: str | None = None,
) -> Requester:
    """Take a requester off the blacklist by a decision with reasons (e.g. a reconsideration
    decision, 行政复议决定). The history stays in `requester_blacklist_events` and the ledger."""
    requester = get_requester(session, code)
    reason = _text(reason, "reason", MAX_REASON_CHARS)
    document = _document(document_number)
    if requester.blacklisted_at is None:
        raise InvalidInput("is not blacklisted", field="requester", rule="not-blacklisted")
    requester.blacklisted_at = requester.blacklisted_by = requester.blacklist_reason = None
    _blacklist_event(session, now, requester, event=BlacklistEvent.LIFTED, reason=reason,
                     document_number=document, actor=actor)  # fmt: skip
    return requester


def _refuse_blacklisted(requester: Requester) -> None:
    if requester.blacklisted_at is not None:
        raise InvalidInput(
            "is on the violation blacklist (违规经营黑名单)", field="requester", rule="blacklisted"
        )


def create_requester_key(
    session: Session, now: dt.datetime, *, code: str, label: str, actor: str
) -> tuple[ApiKey, str]:
    """A new API key for a requester; the token is returned once and never stored."""
    requester = get_requester(session, code)
    _refuse_blacklisted(requester)
    return create_api_key(
        session, now, owner_kind=KeyOwner.REQUESTER, owner_id=requester.id, label=label,
        actor=actor,
    )  # fmt: skip


def requester_keys(session: Session, requester: Requester) -> list[ApiKey]:
    return keys_of(session, KeyOwner.REQUESTER, requester.id)


def revoke_requester_key(session: Session, now: dt.datetime, prefix: str, *, actor: str) -> ApiKey:
    """Revoke a requester's key by its prefix (keys of sources and nodes are not touched here)."""
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if key is None or key.owner_kind != KeyOwner.REQUESTER:
        raise NotFound("no requester API key has this prefix", field="prefix")
    return revoke_api_key(session, now, prefix, actor=actor)


def staff_role(requester: Requester) -> Role:
    """Staff of a government department act as `department`, everyone else's as `requester`."""
    if requester.kind == RequesterKind.GOVERNMENT_DEPARTMENT:
        return Role.DEPARTMENT
    return Role.REQUESTER


def add_staff(
    session: Session, now: dt.datetime, *, code: str, username: str, password: str, actor: str
) -> Account:
    """An account for a member of a requester's staff, in the role its kind implies."""
    requester = get_requester(session, code)
    _refuse_blacklisted(requester)
    return create_account(
        session, now, username=username, password=password, role=staff_role(requester),
        actor=actor, requester_code=requester.code,
    )  # fmt: skip


def staff_of(session: Session, requester_id: uuid.UUID) -> list[Account]:
    return list(
        session.scalars(
            select(Account).where(Account.requester_id == requester_id).order_by(Account.username)
        )
    )
