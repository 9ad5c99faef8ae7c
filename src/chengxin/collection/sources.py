"""Source verbs: register data-providing units, grant them catalog items, record members."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chengxin.access.models import ApiKey, KeyOwner
from chengxin.access.service import create_api_key, keys_of
from chengxin.catalog.schema import Catalog
from chengxin.catalog.vocab import SourceKind
from chengxin.collection.models import Source, SourceGrant, SourceMember
from chengxin.errors import Conflict, Forbidden, InvalidInput, NotFound
from chengxin.identity.numbers import region_of

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,31}$")


def add_source(
    session: Session,
    now: dt.datetime,
    *,
    code: str,
    name: str,
    region_code: str,
    kind: SourceKind,
    actor: str,
) -> Source:
    if not _CODE.match(code):
        raise InvalidInput(
            "must be 2 to 32 capital letters, digits, - or _", field="code", rule="source-code"
        )
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("must be 1 to 200 characters", field="name", rule="length")
    if region_of(region_code) is None:
        raise InvalidInput(
            "is not an administrative division code", field="region_code", rule="region"
        )
    source = Source(
        id=uuid.uuid4(),
        code=code,
        name=name,
        region_code=region_code,
        kind=kind,
        created_at=now,
        created_by=actor,
    )
    try:
        with session.begin_nested():
            session.add(source)
    except IntegrityError:
        raise Conflict("a source with this code exists", field="code", rule="unique") from None
    return source


def source_by_code(session: Session, code: str) -> Source:
    source = session.scalar(select(Source).where(Source.code == code))
    if source is None:
        raise NotFound("no source has this code", field="source")
    return source


def list_sources(session: Session) -> list[Source]:
    return list(session.scalars(select(Source).order_by(Source.code)))


def grant_item(
    session: Session,
    catalog: Catalog,
    now: dt.datetime,
    source: Source,
    item_code: str,
    *,
    actor: str,
) -> SourceGrant:
    """Allow a source to supply an item — only if the catalog allows its kind of body (R-2.5)."""
    latest = catalog.versions(item_code)[-1]
    if not latest.sources.allows(source.kind):
        allowed = ", ".join(k.value for k in latest.sources.kinds)
        raise Forbidden(
            f"item {item_code} may be supplied by {allowed} only, not {source.kind.value}",
            field="item",
            rule="source-kind",
        )
    if item_code in granted_items(session, source.id):
        raise Conflict("is already granted to this source", field="item", rule="unique-grant")
    grant = SourceGrant(
        id=uuid.uuid4(),
        source_id=source.id,
        item_code=item_code,
        granted_at=now,
        granted_by=actor,
    )
    session.add(grant)
    session.flush()
    return grant


def revoke_grant(
    session: Session, now: dt.datetime, source: Source, item_code: str, *, actor: str
) -> None:
    done = session.execute(
        update(SourceGrant)
        .where(
            SourceGrant.source_id == source.id,
            SourceGrant.item_code == item_code,
            SourceGrant.revoked_at.is_(None),
        )
        .values(revoked_at=now, revoked_by=actor)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise NotFound("is not granted to this source", field="item")


def granted_items(session: Session, source_id: uuid.UUID) -> frozenset[str]:
    return frozenset(
        session.scalars(
            select(SourceGrant.item_code).where(
                SourceGrant.source_id == source_id, SourceGrant.revoked_at.is_(None)
            )
        )
    )


def add_member(
    session: Session,
    now: dt.datetime,
    *,
    source: Source,
    subject_id: uuid.UUID,
    since: dt.date,
    until: dt.date | None = None,
) -> bool:
    """Record that a person is a member of an association source (R-2.5); False if they
    already are one (the first record stands)."""
    if source.kind is not SourceKind.INDUSTRY_ASSOCIATION:
        raise InvalidInput("only industry associations have members", field="source", rule="kind")
    if until is not None and until < since:
        raise InvalidInput("end must not be before start", field="until", rule="period")
    exists = session.scalar(
        select(SourceMember.id).where(
            SourceMember.source_id == source.id, SourceMember.subject_id == subject_id
        )
    )
    if exists is not None:
        return False
    session.add(
        SourceMember(
            id=uuid.uuid4(),
            source_id=source.id,
            subject_id=subject_id,
            since=since,
            until=until,
            created_at=now,
        )
    )
    session.flush()
    return True


def members_on(session: Session, source_id: uuid.UUID, on: dt.date) -> frozenset[uuid.UUID]:
    return frozenset(
        session.scalars(
            select(SourceMember.subject_id).where(
                SourceMember.source_id == source_id,
                SourceMember.since <= on,
                (SourceMember.until.is_(None)) | (SourceMember.until >= on),
            )
        )
    )


def create_source_key(
    session: Session, now: dt.datetime, source: Source, *, label: str, actor: str
) -> tuple[ApiKey, str]:
    return create_api_key(
        session, now, owner_kind=KeyOwner.SOURCE, owner_id=source.id, label=label, actor=actor
    )


def source_keys(session: Session, source: Source) -> list[ApiKey]:
    return keys_of(session, KeyOwner.SOURCE, source.id)
