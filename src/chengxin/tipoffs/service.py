"""Tip-off verbs (举报, R-6.5): the public files one; staff accept, reject, refer and close. One
verb, one transaction (the caller's): a conditional update on `version`, one step row and its
ledger entry. A new tip-off is announced in the inbox of every staff account that triages."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from chengxin.access.models import Account
from chengxin.access.permissions import ACCOUNT_ROLES, Permission, allows
from chengxin.collection.models import Source
from chengxin.disputes.attachments import Evidence
from chengxin.errors import Conflict, NotFound
from chengxin.keys import KeyRing
from chengxin.ledger.service import append_entry
from chengxin.notifications.service import notify
from chengxin.sealed import seal, unseal
from chengxin.texts import clean_text
from chengxin.tipoffs.models import Tipoff, TipoffFile, TipoffStep
from chengxin.tipoffs.rules import (
    CATEGORY_ZH,
    MAX_REASON,
    MAX_SUBJECT,
    MAX_TEXT,
    MIN_TEXT,
    OPEN,
    RANDOM_BITS,
    TipoffCategory,
    TipoffEvent,
    TipoffState,
    check_region,
    clean_contact,
    make_tracking,
    next_state,
    parse_tracking,
)

TABLE = "tipoffs"
TRACKING_INDEX = "tipoff-tracking"
PUBLIC_ACTOR = "public"  # who filed is never recorded, even when a signed-in person did
TRIAGE_ROLES = frozenset(r for r in ACCOUNT_ROLES if allows(r, Permission.TIPOFFS_MANAGE))


@dataclass(frozen=True)
class Filed:
    tipoff: Tipoff
    tracking: str  # shown to the reporter once; only its hash is kept


def tracking_hash(keys: KeyRing, tracking: str) -> str:
    return keys.blind_index(TRACKING_INDEX, tracking)


def sealed_text(keys: KeyRing, tipoff: Tipoff, column: str) -> str | None:
    token = getattr(tipoff, column)
    return None if token is None else unseal(keys, TABLE, column, tipoff.id, token)


def _step(
    session: Session, keys: KeyRing, now: dt.datetime, *, tipoff: Tipoff, event: str,
    from_state: TipoffState | None, actor: str, reason: str | None = None,
    source: Source | None = None,
) -> None:  # fmt: skip
    index = append_entry(session, now, {
        "kind": "tipoff", "id": str(tipoff.id), "event": event,
        "from": None if from_state is None else str(from_state), "to": str(tipoff.state),
        "actor": actor, "source": None if source is None else source.code,
        "reason_hash": hashlib.sha256(reason.encode()).hexdigest() if reason else None,
    })  # fmt: skip
    step_id = uuid.uuid4()
    sealed = None if reason is None else seal(keys, "tipoff_steps", "reason_enc", step_id, reason)
    session.add(TipoffStep(
        id=step_id, tipoff_id=tipoff.id, event=event, from_state=from_state,
        to_state=str(tipoff.state), source_id=None if source is None else source.id,
        reason_enc=sealed, actor=actor[:100], at=now, ledger_index=index,
    ))  # fmt: skip
    session.flush()


def _save_files(
    session: Session, keys: KeyRing, now: dt.datetime, tipoff: Tipoff, files: list[Evidence]
) -> None:
    for position, evidence in enumerate(files):
        file_id = uuid.uuid4()
        text = base64.b64encode(evidence.data).decode("ascii")
        session.add(TipoffFile(
            id=file_id, tipoff_id=tipoff.id, position=position, name=evidence.name,
            media_type=evidence.media_type, size=len(evidence.data),
            sha256=hashlib.sha256(evidence.data).hexdigest(), created_at=now,
            content_enc=seal(keys, "tipoff_files", "content_enc", file_id, text),
        ))  # fmt: skip


def _tell_staff(session: Session, keys: KeyRing, now: dt.datetime, tipoff: Tipoff) -> None:
    """Every active account that triages tip-offs hears of a new one (no text, no number)."""
    staff = session.scalars(select(Account.id).where(
        Account.role.in_(TRIAGE_ROLES), Account.disabled_at.is_(None)))  # fmt: skip
    for account_id in staff:
        notify(
            session, keys, now, account_id=account_id, topic="tipoff.received",
            title_zh=f"新举报待受理（{CATEGORY_ZH[tipoff.category]}，{tipoff.region_code}）",
            title_en=f"New tip-off to triage ({tipoff.category}, {tipoff.region_code})",
            body_zh=f"举报 {tipoff.id} 已收到，请在举报分办队列中受理或不予受理。",
            body_en=f"Tip-off {tipoff.id} was received; accept or reject it in the tip-off queue.",
            ref=str(tipoff.id),
        )  # fmt: skip


def file_tipoff(
    session: Session, keys: KeyRing, now: dt.datetime, *, category: TipoffCategory,
    region_code: str, subject: str, text: str, contact: str | None, files: list[Evidence],
) -> Filed:  # fmt: skip
    """Anyone reports dishonest conduct, anonymously or with a contact. The answer's tracking
    number is the only way to follow the report; it is not kept in clear."""
    region = check_region(region_code)
    who = clean_text(subject, "subject", limit=MAX_SUBJECT, minimum=2)
    facts = clean_text(text, "text", limit=MAX_TEXT, minimum=MIN_TEXT, lines=True)
    reach = clean_contact(contact)
    tracking = make_tracking(secrets.randbits(RANDOM_BITS))
    tipoff_id = uuid.uuid4()
    tipoff = Tipoff(
        id=tipoff_id, tracking_hash=tracking_hash(keys, tracking), category=category,
        region_code=region, subject_enc=seal(keys, TABLE, "subject_enc", tipoff_id, who),
        text_enc=seal(keys, TABLE, "text_enc", tipoff_id, facts),
        contact_enc=None if reach is None else seal(keys, TABLE, "contact_enc", tipoff_id, reach),
        state=TipoffState.RECEIVED, version=1, filed_at=now, updated_at=now,
    )  # fmt: skip
    session.add(tipoff)
    session.flush()
    _save_files(session, keys, now, tipoff, files)
    _step(session, keys, now, tipoff=tipoff, event="file", from_state=None, actor=PUBLIC_ACTOR)
    _tell_staff(session, keys, now, tipoff)
    return Filed(tipoff, tracking)


def find_by_tracking(session: Session, keys: KeyRing, tracking: str) -> Tipoff:
    """The tip-off a tracking number belongs to. An unknown number is answered like any other
    unknown one: nothing says whether a similar number exists."""
    found = session.scalar(
        select(Tipoff).where(Tipoff.tracking_hash == tracking_hash(keys, parse_tracking(tracking)))
    )
    if found is None:
        raise NotFound("no tip-off has this tracking number", field="tracking")
    return found


def get_tipoff(session: Session, tipoff_id: uuid.UUID) -> Tipoff:
    found = session.get(Tipoff, tipoff_id)
    if found is None:
        raise NotFound("no tip-off has this id", field="tipoff_id")
    return found


def _move(
    session: Session, keys: KeyRing, now: dt.datetime, *, tipoff_id: uuid.UUID,
    event: TipoffEvent, reason: str, actor: str, source: Source | None = None,
) -> Tipoff:  # fmt: skip
    """One staff step: the new state written only if nobody moved the tip-off since it was read."""
    why = clean_text(reason, "reason", limit=MAX_REASON, lines=True)
    tipoff = get_tipoff(session, tipoff_id)
    before = tipoff.state
    after = next_state(before, event)
    values: dict[str, Any] = {"state": after, "version": tipoff.version + 1, "updated_at": now,
                              "decided_at": None if after in OPEN else now}  # fmt: skip
    if source is not None:
        values["referred_source_id"] = source.id
    done = session.execute(
        update(Tipoff)
        .where(Tipoff.id == tipoff.id, Tipoff.version == tipoff.version)
        .values(values)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("the tip-off changed meanwhile; read it again", field="tipoff",
                       rule="stale")  # fmt: skip
    session.refresh(tipoff)
    _step(session, keys, now, tipoff=tipoff, event=event, from_state=before, actor=actor,
          reason=why, source=source)  # fmt: skip
    return tipoff


def accept_tipoff(
    session: Session, keys: KeyRing, now: dt.datetime, *, tipoff_id: uuid.UUID, reason: str,
    actor: str,
) -> Tipoff:  # fmt: skip
    """受理: the report names conduct the platform deals with and enough to act on."""
    return _move(session, keys, now, tipoff_id=tipoff_id, event=TipoffEvent.ACCEPT,
                 reason=reason, actor=actor)  # fmt: skip


def reject_tipoff(
    session: Session, keys: KeyRing, now: dt.datetime, *, tipoff_id: uuid.UUID, reason: str,
    actor: str,
) -> Tipoff:  # fmt: skip
    """不予受理, with reasons (not credit-related, too vague, a duplicate …)."""
    return _move(session, keys, now, tipoff_id=tipoff_id, event=TipoffEvent.REJECT,
                 reason=reason, actor=actor)  # fmt: skip


def refer_tipoff(
    session: Session, keys: KeyRing, now: dt.datetime, *, tipoff_id: uuid.UUID,
    source_code: str, reason: str, actor: str,
) -> Tipoff:  # fmt: skip
    """移交认定单位: the designating source (by its code) investigates and decides."""
    source = session.scalar(select(Source).where(Source.code == source_code.strip()))
    if source is None:
        raise NotFound("no source has this code", field="source_code")
    return _move(session, keys, now, tipoff_id=tipoff_id, event=TipoffEvent.REFER,
                 reason=reason, actor=actor, source=source)  # fmt: skip


def close_tipoff(
    session: Session, keys: KeyRing, now: dt.datetime, *, tipoff_id: uuid.UUID, reason: str,
    actor: str,
) -> Tipoff:  # fmt: skip
    """办结: the outcome as the staff record it (the source's handling, or why no referral)."""
    return _move(session, keys, now, tipoff_id=tipoff_id, event=TipoffEvent.CLOSE,
                 reason=reason, actor=actor)  # fmt: skip
