"""API-key verbs: create (the token is shown once), revoke, authenticate."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from chengxin.access.apikeys import new_key, parse_token, secret_matches
from chengxin.access.models import ApiKey, KeyOwner
from chengxin.errors import InvalidInput, NotFound, Unauthenticated


def create_api_key(
    session: Session,
    now: dt.datetime,
    *,
    owner_kind: KeyOwner,
    owner_id: uuid.UUID,
    label: str,
    actor: str,
) -> tuple[ApiKey, str]:
    """A new key for an owner; returns the row and the token, which is not stored anywhere."""
    label = label.strip()
    if not label or len(label) > 100:
        raise InvalidInput("must be 1 to 100 characters", field="label", rule="length")
    key = new_key()
    row = ApiKey(
        id=uuid.uuid4(),
        prefix=key.prefix,
        secret_hash=key.secret_hash,
        owner_kind=owner_kind,
        owner_id=owner_id,
        label=label,
        created_at=now,
        created_by=actor,
    )
    session.add(row)
    session.flush()
    return row, key.token


def revoke_api_key(session: Session, now: dt.datetime, prefix: str, *, actor: str) -> ApiKey:
    """Revoke a key at once; later requests with it are refused."""
    done = session.execute(
        update(ApiKey)
        .where(ApiKey.prefix == prefix, ApiKey.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by=actor)
        .execution_options(synchronize_session=False)
    )
    row = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if row is None:
        raise NotFound("no API key has this prefix", field="prefix")
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidInput("is already revoked", field="prefix", rule="active-key")
    session.refresh(row)
    return row


def key_of(session: Session, token: str) -> ApiKey:
    """The valid, unrevoked key a token belongs to; Unauthenticated otherwise.

    Every failure gives the same answer, so a caller cannot learn which prefixes exist."""
    refused = Unauthenticated("a valid API key is required", field="api_key", rule="api-key")
    try:
        prefix, secret = parse_token(token)
    except InvalidInput:
        raise refused from None
    row = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix, ApiKey.revoked_at.is_(None)))
    if row is None or not secret_matches(secret, row.secret_hash):
        raise refused
    return row


def authenticate(session: Session, token: str | None, owner_kind: KeyOwner) -> uuid.UUID:
    """The owner of a valid, unrevoked key of the given kind; Unauthenticated otherwise."""
    refused = Unauthenticated("a valid API key is required", field="api_key", rule="api-key")
    if not token:
        raise refused
    row = key_of(session, token)
    if row.owner_kind != owner_kind:
        raise refused
    return row.owner_id


def keys_of(session: Session, owner_kind: KeyOwner, owner_id: uuid.UUID) -> list[ApiKey]:
    return list(
        session.scalars(
            select(ApiKey)
            .where(ApiKey.owner_kind == owner_kind, ApiKey.owner_id == owner_id)
            .order_by(ApiKey.created_at)
        )
    )
