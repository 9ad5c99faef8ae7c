"""Reading tip-offs: the staff queue with its filters, and the shapes answers have. The reporter
following a tip-off sees its state and dates only; staff see the unsealed texts and steps."""

from __future__ import annotations

import base64
import datetime as dt
import uuid

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chengxin.collection.models import Source
from chengxin.errors import InvalidInput, NotFound
from chengxin.keys import KeyRing
from chengxin.sealed import unseal
from chengxin.tipoffs.models import Tipoff, TipoffFile, TipoffStep
from chengxin.tipoffs.rules import OPEN, TipoffCategory, TipoffState, region_prefix
from chengxin.tipoffs.service import sealed_text

MAX_PAGE = 1000


class TrackStep(BaseModel):
    state: TipoffState
    at: dt.datetime


class TrackOut(BaseModel):
    """What the tracking number shows: no text, no category, no one's name."""

    state: TipoffState
    filed_at: dt.datetime
    updated_at: dt.datetime
    steps: list[TrackStep]


class FiledOut(TrackOut):
    tracking: str = Field(description="Shown once: keep it to follow the tip-off (JB-…)")


class TipoffRow(BaseModel):
    id: uuid.UUID
    category: TipoffCategory
    region_code: str
    state: TipoffState
    version: int
    anonymous: bool = Field(description="No contact was given")
    files: int
    referred_to: str | None = Field(description="The source's code, once referred")
    filed_at: dt.datetime
    updated_at: dt.datetime
    decided_at: dt.datetime | None


class FileOut(BaseModel):
    id: uuid.UUID
    name: str
    media_type: str
    size: int
    sha256: str


class StepOut(BaseModel):
    event: str
    from_state: str | None
    to_state: str
    at: dt.datetime
    actor: str
    source: str | None
    reason: str | None


class TipoffOut(TipoffRow):
    subject: str = Field(description="Who or what is reported (被举报人或单位)")
    text: str = Field(description="The facts as reported")
    contact: str | None = Field(description="How to reach the reporter; null: anonymous")
    evidence: list[FileOut]
    steps: list[StepOut]


def _steps(session: Session, tipoff_id: uuid.UUID) -> list[TipoffStep]:
    query = select(TipoffStep).where(TipoffStep.tipoff_id == tipoff_id)
    return list(session.scalars(query.order_by(TipoffStep.at, TipoffStep.ledger_index)))


def track_view(session: Session, tipoff: Tipoff) -> TrackOut:
    steps = [TrackStep(state=TipoffState(s.to_state), at=s.at) for s in _steps(session, tipoff.id)]
    return TrackOut(state=tipoff.state, filed_at=tipoff.filed_at, updated_at=tipoff.updated_at,
                    steps=steps)  # fmt: skip


def _source_code(session: Session, source_id: uuid.UUID | None) -> str | None:
    return None if source_id is None else session.get_one(Source, source_id).code


def row_view(session: Session, tipoff: Tipoff, files: int) -> TipoffRow:
    return TipoffRow(
        id=tipoff.id, category=tipoff.category, region_code=tipoff.region_code,
        state=tipoff.state, version=tipoff.version, anonymous=tipoff.contact_enc is None,
        files=files, referred_to=_source_code(session, tipoff.referred_source_id),
        filed_at=tipoff.filed_at, updated_at=tipoff.updated_at, decided_at=tipoff.decided_at,
    )  # fmt: skip


def evidence_of(session: Session, tipoff_id: uuid.UUID) -> list[FileOut]:
    query = select(TipoffFile).where(TipoffFile.tipoff_id == tipoff_id)
    files = session.scalars(query.order_by(TipoffFile.position))
    return [FileOut.model_validate(f, from_attributes=True) for f in files]


def step_views(session: Session, keys: KeyRing | None, tipoff_id: uuid.UUID) -> list[StepOut]:
    """The steps; their reasons unsealed only when `keys` are given."""

    def reason(step: TipoffStep) -> str | None:
        if keys is None or step.reason_enc is None:
            return None
        return unseal(keys, "tipoff_steps", "reason_enc", step.id, step.reason_enc)

    def view(step: TipoffStep) -> StepOut:
        return StepOut(
            event=step.event, from_state=step.from_state, to_state=step.to_state, at=step.at,
            actor=step.actor, source=_source_code(session, step.source_id), reason=reason(step),
        )  # fmt: skip

    return [view(s) for s in _steps(session, tipoff_id)]


def staff_view(session: Session, keys: KeyRing, tipoff: Tipoff) -> TipoffOut:
    files = evidence_of(session, tipoff.id)
    return TipoffOut(
        **row_view(session, tipoff, len(files)).model_dump(),
        subject=sealed_text(keys, tipoff, "subject_enc") or "",
        text=sealed_text(keys, tipoff, "text_enc") or "",
        contact=sealed_text(keys, tipoff, "contact_enc"),
        evidence=files, steps=step_views(session, keys, tipoff.id),
    )  # fmt: skip


def queue(
    session: Session,
    *,
    state: TipoffState | None = None,
    category: TipoffCategory | None = None,
    region_code: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[TipoffRow]:
    """Tip-offs oldest first; without `state`, the open ones (received, accepted, referred)."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"must be 1 to {MAX_PAGE}", field="limit", rule="range")
    query = select(Tipoff).order_by(Tipoff.filed_at, Tipoff.id)
    query = query.where(Tipoff.state.in_(OPEN) if state is None else Tipoff.state == state)
    if category is not None:
        query = query.where(Tipoff.category == category)
    if region_code is not None:
        query = query.where(Tipoff.region_code.startswith(region_prefix(region_code)))
    found = list(session.scalars(query.limit(limit).offset(offset)))
    per_tipoff = select(TipoffFile.tipoff_id, func.count()).group_by(TipoffFile.tipoff_id)
    wanted = per_tipoff.where(TipoffFile.tipoff_id.in_([t.id for t in found]))
    counts: dict[uuid.UUID, int] = dict(session.execute(wanted).all())
    return [row_view(session, t, counts.get(t.id, 0)) for t in found]


def evidence_file(
    session: Session, keys: KeyRing, *, tipoff_id: uuid.UUID, file_id: uuid.UUID
) -> tuple[TipoffFile, bytes]:
    """One evidence file of a tip-off, opened (another tip-off's file id is not confirmed)."""
    found = session.get(TipoffFile, file_id)
    if found is None or found.tipoff_id != tipoff_id:
        raise NotFound("no file of this tip-off has this id", field="file_id")
    text = unseal(keys, "tipoff_files", "content_enc", found.id, found.content_enc)
    return found, base64.b64decode(text)
