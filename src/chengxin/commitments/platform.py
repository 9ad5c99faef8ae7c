"""The platform's own source (`PLATFORM`, kind `platform`): what the platform records itself —
commitments made and broken — goes through the collection path under it like any source's rows.
Created and granted on first use, inside the caller's transaction."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.catalog.schema import Catalog
from chengxin.catalog.vocab import SourceKind
from chengxin.collection.models import Source, SourceGrant
from chengxin.collection.sources import add_source, grant_item
from chengxin.errors import Conflict

PLATFORM_CODE = "PLATFORM"
PLATFORM_NAME = "本级信用信息共享平台"
MADE_ITEM = "COMMITMENT-MADE"
BREACH_ITEM = "COMMITMENT-BREACH"
ITEMS = (MADE_ITEM, BREACH_ITEM)
ACTOR = "platform:commitments"


def _find(session: Session) -> Source | None:
    return session.scalar(select(Source).where(Source.code == PLATFORM_CODE))


def _never_granted(session: Session, source: Source) -> list[str]:
    # A grant the operator revoked stays revoked: only items never granted are granted here.
    ever = set(session.scalars(select(SourceGrant.item_code)
                               .where(SourceGrant.source_id == source.id)))  # fmt: skip
    return [item for item in ITEMS if item not in ever]


def platform_source(session: Session, catalog: Catalog, now: dt.datetime, *, region: str) -> Source:
    """The PLATFORM source with its two items granted. Idempotent; with two transactions at once
    the unique source code lets one create it (the other re-reads it), and a lock on the source
    row lets one grant (the other then finds the grants)."""
    source = _find(session)
    if source is None:
        try:
            source = add_source(
                session, now, code=PLATFORM_CODE, name=PLATFORM_NAME, region_code=region,
                kind=SourceKind.PLATFORM, actor=ACTOR,
            )  # fmt: skip
        except Conflict:  # created meanwhile by another transaction (now committed)
            source = _find(session)
            if source is None:
                raise
    if source.kind is not SourceKind.PLATFORM:
        raise Conflict(
            f"source code {PLATFORM_CODE} belongs to a {source.kind.value}, not the platform",
            field="source", rule="platform-source",
        )  # fmt: skip
    if _never_granted(session, source):
        session.execute(select(Source.id).where(Source.id == source.id).with_for_update())
        for item in _never_granted(session, source):
            grant_item(session, catalog, now, source, item, actor=ACTOR)
    return source
