"""Rows held in identity review cases (R-1.2): when the operator decides, the held row is
applied (the person's name changed) or refused (the sender's name was wrong), and the batch's
receipt is updated to say so."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from chengxin.catalog.schema import Catalog
from chengxin.catalog.vocab import SourceKind
from chengxin.clock import china_today
from chengxin.collection.models import Batch, BatchError, Source
from chengxin.collection.occupations import record_occupations
from chengxin.collection.rows import Action, RowContext, prepare_row
from chengxin.collection.sources import granted_items, members_on
from chengxin.errors import ChengxinError, Forbidden
from chengxin.identity.models import ReviewState
from chengxin.identity.service import ReviewView, decide_identity_review
from chengxin.keys import KeyRing
from chengxin.records.service import RowOutcome, Submission, apply_submissions

_COLUMN = {
    RowOutcome.CREATED: Batch.accepted,
    RowOutcome.DUPLICATE: Batch.duplicate,
    RowOutcome.CORRECTED: Batch.corrected,
    RowOutcome.REVOKED: Batch.revoked,
}


def decide_review(
    session: Session,
    keys: KeyRing,
    catalog: Catalog,
    now: dt.datetime,
    *,
    review_id: uuid.UUID,
    decision: ReviewState,
    actor: str,
    reason: str,
) -> tuple[ReviewView, str | None]:
    """Decide an identity review and settle the row it held; returns the case and what became
    of the row (None when the case held no batch row)."""
    case = decide_identity_review(
        session, keys, now, review_id, decision, actor=actor, reason=reason
    )
    payload = case.payload
    if not payload or "batch" not in payload:
        return case, None
    batch_id = uuid.UUID(payload["batch"])
    row = int(payload["row"])
    if decision is ReviewState.REJECTED:
        _refuse(session, batch_id=batch_id, row=row, rule="identity-rejected",
                message="the name was found wrong in identity review")  # fmt: skip
        return case, "refused"
    try:
        outcome = _apply(session, catalog, now, case=case, payload=payload, batch_id=batch_id)
    except ChengxinError as exc:
        _refuse(session, batch_id=batch_id, row=row, message=exc.message, rule=exc.rule,
                field=exc.field)  # fmt: skip
        return case, "refused"
    column = _COLUMN[outcome] if outcome is not RowOutcome.UNKNOWN else None
    if column is None:
        _refuse(session, batch_id=batch_id, row=row, rule="unknown-record", field="record_id",
                message="no record with this record_id to change")  # fmt: skip
        return case, "refused"
    session.execute(
        update(Batch)
        .where(Batch.id == batch_id)
        .values({column: column + 1, Batch.waiting: Batch.waiting - 1})
    )
    return case, outcome.value


def _apply(
    session: Session,
    catalog: Catalog,
    now: dt.datetime,
    *,
    case: ReviewView,
    payload: dict[str, Any],
    batch_id: uuid.UUID,
) -> RowOutcome:
    batch = session.get_one(Batch, batch_id)
    source = session.get_one(Source, batch.source_id)
    ctx = RowContext(
        catalog, source.kind, granted_items(session, source.id), china_today(now), payload["item"]
    )
    if source.kind is SourceKind.INDUSTRY_ASSOCIATION and case.subject_id not in members_on(
        session, source.id, ctx.today
    ):
        raise Forbidden(
            "is not a member of this association", field="id_number", rule="not-a-member"
        )
    action = Action(payload.get("action", "add"))
    prepared = prepare_row(int(payload["row"]), payload["values"], ctx, action)
    submission = Submission(case.subject_id, prepared.item, prepared.record_id, prepared.facts,
                            correct_only=action is Action.CORRECT)  # fmt: skip
    (outcome,) = apply_submissions(
        session, now, source_id=source.id, batch_id=batch_id, rows=[submission],
        actor=f"source:{source.code}", reason=f"released from identity review {case.id}",
    )  # fmt: skip
    record_occupations(session, now, [(submission, outcome)])
    return outcome


def _refuse(
    session: Session,
    *,
    batch_id: uuid.UUID,
    row: int,
    message: str,
    rule: str | None,
    field: str | None = "name",
) -> None:
    session.add(
        BatchError(
            id=uuid.uuid4(),
            batch_id=batch_id,
            row_number=row,
            field=field,
            rule=rule,
            message=message,
        )
    )
    session.execute(
        update(Batch)
        .where(Batch.id == batch_id)
        .values(refused=Batch.refused + 1, waiting=Batch.waiting - 1)
    )
