"""What every listing step shares: the conditional state change, the step row with its ledger
entry, and the notice to the person. Runs in the caller's transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from chengxin import texts
from chengxin.errors import Conflict
from chengxin.keys import KeyRing
from chengxin.ledger.service import append_entry
from chengxin.lists.models import ListEntry, ListStep
from chengxin.notifications.service import notify
from chengxin.sealed import seal

MAX_TEXT = 2000


def clean_text(
    raw: str, field: str, minimum: int = 1, limit: int = MAX_TEXT, *, lines: bool = True
) -> str:
    """A reason or statement (several lines), or with `lines=False` a one-line value."""
    return texts.clean_text(raw, field, limit=limit, minimum=minimum, lines=lines)


def advance(session: Session, entry: ListEntry, values: dict[str, Any]) -> bool:
    """Write a step's new state only if nobody moved the entry since it was read; False if
    somebody did (the caller decides whether that is a refusal or a skip)."""
    done = session.execute(
        update(ListEntry)
        .where(ListEntry.id == entry.id, ListEntry.version == entry.version)
        .values({**values, "version": entry.version + 1})
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.refresh(entry)
    return True


def advance_or_refuse(session: Session, entry: ListEntry, values: dict[str, Any]) -> None:
    if not advance(session, entry, values):
        raise Conflict("the listing changed meanwhile; read it again", field="listing",
                       rule="stale")  # fmt: skip


def record_step(
    session: Session,
    keys: KeyRing,
    now: dt.datetime,
    *,
    entry: ListEntry,
    event: str,
    from_state: str | None,
    actor: str,
    reason: str | None = None,
    document_number: str | None = None,
    conditions: str | None = None,
) -> ListStep:
    """The step row and its ledger entry (kind `listing`): ids, states, the document number and
    a hash of the reasons — never the reasons themselves."""
    index = append_entry(
        session,
        now,
        {
            "kind": "listing",
            "id": str(entry.id),
            "subject": str(entry.subject_id),
            "list_type": entry.list_type,
            "event": event,
            "from": from_state,
            "to": str(entry.state),
            "org_entry": str(entry.org_entry_id) if entry.org_entry_id else None,
            "source": str(entry.source_id),
            "actor": actor,
            "document": document_number,
            "conditions": conditions,
            "reason_hash": hashlib.sha256(reason.encode()).hexdigest() if reason else None,
        },
    )
    step_id = uuid.uuid4()
    step = ListStep(
        id=step_id,
        entry_id=entry.id,
        subject_id=entry.subject_id,
        event=event,
        from_state=from_state,
        to_state=str(entry.state),
        reason_enc=seal(keys, "list_steps", "reason_enc", step_id, reason) if reason else None,
        document_number=document_number,
        conditions=conditions,
        actor=actor[:100],
        at=now,
        ledger_index=index,
    )
    session.add(step)
    session.flush()
    return step


def tell(
    session: Session,
    keys: KeyRing,
    now: dt.datetime,
    *,
    entry: ListEntry,
    topic: str,
    title: tuple[str, str],
    body: tuple[str, str],
) -> None:
    """The listed subject's notice (inbox, and e-mail if they gave an address). The texts name
    no one: the reasons stay sealed and are shown under “my listings”."""
    zh, en = title
    body_zh, body_en = body
    notify(
        session, keys, now, subject_id=entry.subject_id, topic=topic, title_zh=zh, title_en=en,
        body_zh=f"{body_zh}\n名单记录编号 {entry.id}。", body_en=f"{body_en}\nListing {entry.id}.",
        ref=str(entry.id),
    )  # fmt: skip
