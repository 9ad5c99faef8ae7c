"""Account verbs: create, sign up (citizens), log in with throttling, log out, disable; and the
principal behind a session cookie."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from chengxin.access import throttle
from chengxin.access.models import Account, LoginAttempt, WebSession
from chengxin.access.passwords import hash_password, password_matches
from chengxin.access.permissions import ACCOUNT_ROLES, Role
from chengxin.access.principal import Principal
from chengxin.clock import china_today
from chengxin.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyRequests
from chengxin.identity import service as identity
from chengxin.identity.numbers import parse_id_number
from chengxin.keys import KeyRing
from chengxin.requesters.models import Requester, RequesterKind

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,63}$")
USERNAME_INDEX = "account-username"
CSRF_INDEX = "session-csrf"


def _username(raw: str) -> str:
    name = raw.strip().lower()
    if not _USERNAME.match(name):
        raise InvalidInput(
            "must be 3 to 64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit",
            field="username",
            rule="format",
        )
    return name


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def create_account(
    session: Session,
    now: dt.datetime,
    *,
    username: str,
    password: str,
    role: Role,
    actor: str,
    subject_id: uuid.UUID | None = None,
    requester_code: str | None = None,
) -> Account:
    """A new account. Citizens are bound to their subject; requester and department staff to
    their requester (a department's staff to a government department)."""
    name = _username(username)
    if role not in ACCOUNT_ROLES:
        roles = ", ".join(sorted(ACCOUNT_ROLES))
        raise InvalidInput(f"must be one of {roles}", field="role", rule="account-role")
    if (role == Role.CITIZEN) != (subject_id is not None):
        raise InvalidInput("a citizen account needs its subject", field="subject", rule="binding")
    requester_id = None
    if role in {Role.REQUESTER, Role.DEPARTMENT}:
        if not requester_code:
            raise InvalidInput("staff accounts need --requester", field="requester", rule="binding")
        requester = session.scalar(select(Requester).where(Requester.code == requester_code))
        if requester is None:
            raise NotFound("no requester has this code", field="requester")
        is_department = requester.kind == RequesterKind.GOVERNMENT_DEPARTMENT
        if is_department != (role == Role.DEPARTMENT):
            raise InvalidInput(
                "department staff belong to government departments, requester staff to others",
                field="role",
                rule="requester-kind",
            )
        requester_id = requester.id
    elif requester_code:
        raise InvalidInput(
            "only staff accounts have a requester", field="requester", rule="binding"
        )
    if session.scalar(select(Account.id).where(Account.username == name)) is not None:
        raise Conflict("is taken", field="username", rule="unique")
    if subject_id is not None and session.scalar(
        select(Account.id).where(Account.subject_id == subject_id)
    ):
        raise Conflict("this person already has an account", field="id_number", rule="unique")
    account = Account(
        id=uuid.uuid4(), username=name, password_hash=hash_password(password), role=role,
        subject_id=subject_id, requester_id=requester_id, created_at=now, created_by=actor,
    )  # fmt: skip
    session.add(account)
    session.flush()
    return account


def sign_up_citizen(
    session: Session,
    keys: KeyRing,
    now: dt.datetime,
    *,
    id_number: str,
    name: str,
    username: str,
    password: str,
) -> Account:
    """A citizen's own sign-up, bound to their subject: the ID number must be valid and, if the
    person is known, the name must be the registered one. Real deployments add real-name
    authentication (实名认证) in front of this; the platform cannot check faces or phones."""
    parse_id_number(id_number, china_today(now))
    _username(username)  # refuse a bad username before anything is registered
    subject_id = identity.find_person(session, keys, id_number, china_today(now))
    if subject_id is not None:
        if identity.reveal_person(session, keys, subject_id).name != name.strip():
            raise InvalidInput(
                "does not match the name registered for this ID number", field="name", rule="match"
            )
    else:
        registered = identity.register_person(
            session, keys, now, id_number, name, actor=f"signup:{username.strip().lower()}"
        )
        subject_id = registered.subject_id
    return create_account(
        session, now, username=username, password=password, role=Role.CITIZEN,
        actor="signup", subject_id=subject_id,
    )  # fmt: skip


@dataclass(frozen=True)
class LoggedIn:
    account: Account
    token: str  # the session cookie's value; only its hash is stored
    csrf_token: str  # sent back in X-CSRF-Token on every state-changing request
    expires_at: dt.datetime


def log_in(
    session: Session,
    keys: KeyRing,
    now: dt.datetime,
    *,
    username: str,
    password: str,
    client: str,
    hours: int,
) -> LoggedIn | None:
    """A new session, or None for wrong credentials (the caller commits the attempt either
    way). Throttled: 5 failures per username or 20 per address in 15 minutes block further tries."""
    user_key = keys.blind_index(USERNAME_INDEX, username.strip().lower())
    since = throttle.window_start(now)
    failures = select(func.count()).where(
        LoginAttempt.succeeded.is_(False), LoginAttempt.at >= since
    )
    user_failures = session.scalar(failures.where(LoginAttempt.username_key == user_key)) or 0
    client_failures = session.scalar(failures.where(LoginAttempt.client == client[:64])) or 0
    if throttle.login_blocked(user_failures=user_failures, client_failures=client_failures):
        raise TooManyRequests(
            "too many failed logins; wait 15 minutes",
            retry_after=int(throttle.WINDOW.total_seconds()),
            field="username",
            rule="login-throttle",
        )
    account = session.scalar(select(Account).where(Account.username == username.strip().lower()))
    ok = password_matches(account.password_hash if account else None, password)
    ok = ok and account is not None and account.disabled_at is None
    session.add(
        LoginAttempt(
            id=uuid.uuid4(), username_key=user_key, client=client[:64], at=now, succeeded=ok
        )
    )
    if not ok or account is None:
        return None
    token = secrets.token_urlsafe(32)
    csrf = csrf_for(keys, token)
    expires = now + dt.timedelta(hours=hours)
    session.add(
        WebSession(
            id=uuid.uuid4(), token_hash=_hash(token), csrf_hash=_hash(csrf),
            account_id=account.id, created_at=now, expires_at=expires,
        )
    )  # fmt: skip
    session.flush()
    return LoggedIn(account, token, csrf, expires)


def csrf_for(keys: KeyRing, token: str) -> str:
    """A session's CSRF token, derived from its cookie with the node's key: pages put it into
    their forms without storing it; a site that cannot read the cookie cannot compute it."""
    return keys.blind_index(CSRF_INDEX, token)


def log_out(session: Session, now: dt.datetime, token: str) -> None:
    session.execute(
        update(WebSession)
        .where(WebSession.token_hash == _hash(token), WebSession.ended_at.is_(None))
        .values(ended_at=now)
    )


def disable_account(session: Session, now: dt.datetime, username: str, *, actor: str) -> Account:
    """Disable at once: its sessions end and it can no longer log in."""
    account = session.scalar(select(Account).where(Account.username == username.strip().lower()))
    if account is None:
        raise NotFound("no account has this username", field="username")
    if account.disabled_at is not None:
        raise InvalidInput("is already disabled", field="username", rule="active-account")
    account.disabled_at, account.disabled_by = now, actor
    session.execute(
        update(WebSession)
        .where(WebSession.account_id == account.id, WebSession.ended_at.is_(None))
        .values(ended_at=now)
    )
    session.flush()
    return account


def session_principal(
    session: Session, now: dt.datetime, token: str, csrf: str | None, *, unsafe: bool
) -> Principal | None:
    """The principal of a live session cookie; None if the cookie is unknown, ended or expired.
    A state-changing request must carry the session's CSRF token."""
    row = session.execute(
        select(WebSession, Account)
        .join(Account, Account.id == WebSession.account_id)
        .where(WebSession.token_hash == _hash(token))
    ).first()
    if row is None:
        return None
    web, account = row
    if web.ended_at is not None or web.expires_at <= now or account.disabled_at is not None:
        return None
    if unsafe and (not csrf or not secrets.compare_digest(_hash(csrf), web.csrf_hash)):
        raise Forbidden(
            "a state-changing request needs the session's X-CSRF-Token header "
            "(or, from a page's form, its csrf_token field)",
            field="X-CSRF-Token",
            rule="csrf",
        )
    return Principal(
        role=account.role, actor=f"account:{account.username}", account_id=account.id,
        subject_id=account.subject_id, requester_id=account.requester_id, via_session=True,
    )  # fmt: skip


def list_accounts(session: Session) -> list[Account]:
    return list(session.scalars(select(Account).order_by(Account.username)))
