"""Feedback (反馈, R-6.4): the department reports what it did with each measure a check
returned — applied, skipped or overridden, the last two with a reason. Only measures the check
returned can be reported (a measure outside the catalog is never applied), each once."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chengxin.access.principal import Principal
from chengxin.errors import Conflict, InvalidInput, NotFound
from chengxin.keys import KeyRing
from chengxin.measures.models import Check, CheckFeedback, CheckResult, Outcome
from chengxin.sealed import seal

MAX_REASON_CHARS = 500
MAX_ITEMS = 100


@dataclass(frozen=True)
class FeedbackItem:
    code: str
    outcome: str
    reason: str | None = None
    document_number: str | None = None


def own_check(session: Session, principal: Principal, check_id: uuid.UUID) -> Check:
    """The caller's own check; another department's is as unknown as a missing one."""
    check = session.get(Check, check_id)
    if check is None or check.requester_id != principal.requester_id:
        raise NotFound("no such check", field="check_id")
    return check


def _validated(items: Sequence[FeedbackItem], returned: set[str]) -> list[FeedbackItem]:
    if not items:
        raise InvalidInput("name at least one measure", field="measures", rule="required")
    if len(items) > MAX_ITEMS:
        raise InvalidInput(f"at most {MAX_ITEMS} items", field="measures", rule="max-items")
    seen: set[str] = set()
    clean = []
    for i, item in enumerate(items):
        where = f"measures[{i}]"
        if item.code not in returned:
            raise InvalidInput(
                "was not returned by this check: only measures it returned can be reported",
                field=f"{where}.code", rule="not-returned",
            )  # fmt: skip
        if item.code in seen:
            raise InvalidInput("is named twice", field=f"{where}.code", rule="duplicate")
        seen.add(item.code)
        try:
            outcome = Outcome(item.outcome)
        except ValueError:
            allowed = ", ".join(o.value for o in Outcome)
            raise InvalidInput(
                f"must be one of {allowed}", field=f"{where}.outcome", rule="enum"
            ) from None
        reason = (item.reason or "").strip() or None
        if reason is not None and len(reason) > MAX_REASON_CHARS:
            raise InvalidInput(f"must be at most {MAX_REASON_CHARS} characters",
                               field=f"{where}.reason", rule="length")  # fmt: skip
        if outcome is not Outcome.APPLIED and reason is None:
            raise InvalidInput(f"is required when the outcome is {outcome}",
                               field=f"{where}.reason", rule="reason-required")  # fmt: skip
        number = (item.document_number or "").strip() or None
        if number is not None and len(number) > 100:
            raise InvalidInput("must be at most 100 characters",
                               field=f"{where}.document_number", rule="length")  # fmt: skip
        clean.append(FeedbackItem(item.code, outcome, reason, number))
    return clean


def give_feedback(
    session: Session,
    keys: KeyRing,
    now: dt.datetime,
    *,
    principal: Principal,
    check_id: uuid.UUID,
    items: Sequence[FeedbackItem],
) -> list[CheckFeedback]:
    """Record the department's feedback on some or all measures of its check, all or nothing."""
    check = own_check(session, principal, check_id)
    returned = set(
        session.scalars(select(CheckResult.measure_code).where(CheckResult.check_id == check.id))
    )
    clean = _validated(items, returned)
    done = set(
        session.scalars(
            select(CheckFeedback.measure_code).where(CheckFeedback.check_id == check.id)
        )
    )
    for i, item in enumerate(clean):
        if item.code in done:
            raise Conflict("was already reported for this check", field=f"measures[{i}].code",
                           rule="already-reported")  # fmt: skip
    rows = []
    for item in clean:
        row_id = uuid.uuid4()
        sealed = (
            seal(keys, "check_feedback", "reason_enc", row_id, item.reason) if item.reason else None
        )
        rows.append(CheckFeedback(
            id=row_id, check_id=check.id, measure_code=item.code,
            requester_id=check.requester_id, outcome=Outcome(item.outcome), reason_enc=sealed,
            document_number=item.document_number, at=now, actor=principal.actor,
        ))  # fmt: skip
    try:
        with session.begin_nested():
            session.add_all(rows)
    except IntegrityError:  # a concurrent report of the same measure won
        raise Conflict("was already reported for this check", field="measures",
                       rule="already-reported") from None  # fmt: skip
    return rows
