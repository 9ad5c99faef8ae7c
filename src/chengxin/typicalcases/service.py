"""Typical-case verbs (典型案例, R-7.1): staff ask a person for consent to a written case; the
person consents, declines or later withdraws; staff publish a consented case for a number of
months or retire it. One verb, one transaction (the caller's): a conditional update on
`version` and a `typical_case` ledger entry. The consent entry holds the digest of the texts,
so what is published is provably what the person agreed to."""

from __future__ import annotations

import calendar
import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from chengxin.clock import china_today
from chengxin.errors import Conflict, Forbidden, NotFound
from chengxin.identity import service as identity
from chengxin.keys import KeyRing
from chengxin.ledger.service import append_entry
from chengxin.notifications.service import notify
from chengxin.sealed import seal, unseal
from chengxin.texts import clean_text
from chengxin.tipoffs.rules import check_region
from chengxin.typicalcases.models import TypicalCase
from chengxin.typicalcases.rules import (
    MAX_REASON,
    CaseEvent,
    CaseKind,
    CaseState,
    check_months,
    check_not_named,
    clean_story,
    clean_title,
    digest,
    next_state,
)

TABLE = "typical_cases"
PERSON_ACTOR = "person"  # the person acts for themself; their account is not named in the ledger
PAGE_SIZE = 20


@dataclass(frozen=True)
class CaseView:
    case: TypicalCase
    story_zh: str
    story_en: str


def view(keys: KeyRing, case: TypicalCase) -> CaseView:
    def story(column: str) -> str:
        return unseal(keys, TABLE, column, case.id, getattr(case, column))

    return CaseView(case, story("story_zh_enc"), story("story_en_enc"))


def texts_of(case: TypicalCase, story_zh: str, story_en: str) -> dict[str, str]:
    return {"title_zh": case.title_zh, "title_en": case.title_en, "story_zh": story_zh,
            "story_en": story_en}  # fmt: skip


def _entry(
    session: Session, now: dt.datetime, case: TypicalCase, *, event: CaseEvent,
    before: CaseState | None, actor: str,
) -> int:  # fmt: skip
    return append_entry(session, now, {
        "kind": "typical_case", "id": str(case.id), "subject": str(case.subject_id),
        "event": str(event), "from": None if before is None else str(before),
        "to": str(case.state), "actor": actor, "digest": case.digest,
    })  # fmt: skip


def ask_case(
    session: Session, keys: KeyRing, now: dt.datetime, *, id_number: str, kind: CaseKind,
    region_code: str, title_zh: str, title_en: str, story_zh: str, story_en: str, actor: str,
) -> TypicalCase:  # fmt: skip
    """Staff write a case about a registered person and ask them for consent (their inbox)."""
    texts = {"title_zh": clean_title(title_zh, "title_zh"),
             "title_en": clean_title(title_en, "title_en"),
             "story_zh": clean_story(story_zh, "story_zh"),
             "story_en": clean_story(story_en, "story_en")}  # fmt: skip
    region = check_region(region_code.strip())
    subject_id = identity.find_person(session, keys, id_number, china_today(now))
    if subject_id is None:
        raise NotFound("no registered person has this ID number", field="id_number")
    person = identity.reveal_person(session, keys, subject_id)
    check_not_named(texts, person.name)
    case_id = uuid.uuid4()
    case = TypicalCase(
        id=case_id, subject_id=subject_id, kind=kind, region_code=region,
        masked_name=person.masked_name, title_zh=texts["title_zh"], title_en=texts["title_en"],
        story_zh_enc=seal(keys, TABLE, "story_zh_enc", case_id, texts["story_zh"]),
        story_en_enc=seal(keys, TABLE, "story_en_enc", case_id, texts["story_en"]),
        digest=digest(texts), state=CaseState.ASKED, version=1, asked_by=actor[:100],
        asked_at=now,
    )  # fmt: skip
    session.add(case)
    session.flush()
    _entry(session, now, case, event=CaseEvent.ASK, before=None, actor=actor)
    notify(
        session, keys, now, subject_id=subject_id, topic="typical_case.asked",
        title_zh="请您确认是否同意公开一则典型案例",
        title_en="Do you agree to a typical case about you being published?",
        body_zh="信用平台拟将一则与您有关的典型案例（姓名已遮蔽）在公众网站发布。未经您同意不会发布；"
                "请在“典型案例”页面阅读全文后选择同意或不同意，同意后也可随时撤回。",
        body_en="The credit platform would like to publish a typical case about you (your name "
                "masked) on its public site. Nothing is published without your consent: read it "
                "on the typical-cases page and agree or decline; you may withdraw later.",
        ref=str(case_id),
    )  # fmt: skip
    return case


def get_case(session: Session, case_id: uuid.UUID) -> TypicalCase:
    found = session.get(TypicalCase, case_id)
    if found is None:
        raise NotFound("no typical case has this id", field="case_id")
    return found


def own_case(session: Session, case_id: uuid.UUID, subject_id: uuid.UUID) -> TypicalCase:
    """The person's own case; another person's is answered as unknown."""
    case = session.get(TypicalCase, case_id)
    if case is None or case.subject_id != subject_id:
        raise NotFound("no typical case of yours has this id", field="case_id")
    return case


def _move(
    session: Session, now: dt.datetime, case: TypicalCase, event: CaseEvent, *, actor: str,
    **values: Any,
) -> TypicalCase:  # fmt: skip
    before = case.state
    after = next_state(before, event)
    if after in {CaseState.ENDED, CaseState.DECLINED}:
        values |= {"ended_at": now, "end_event": str(event)}
    done = session.execute(
        update(TypicalCase)
        .where(TypicalCase.id == case.id, TypicalCase.version == case.version)
        .values(state=after, version=case.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("the case changed meanwhile; read it again", field="case", rule="stale")
    session.refresh(case)
    index = _entry(session, now, case, event=event, before=before, actor=actor)
    if event == CaseEvent.CONSENT:
        case.consent_ledger_index = index
        session.flush()
    return case


def consent_case(
    session: Session, now: dt.datetime, *, case_id: uuid.UUID, subject_id: uuid.UUID
) -> TypicalCase:
    """The person agrees to the texts they read (their digest goes into the ledger)."""
    case = own_case(session, case_id, subject_id)
    return _move(session, now, case, CaseEvent.CONSENT, actor=PERSON_ACTOR, consented_at=now)


def decline_case(
    session: Session, now: dt.datetime, *, case_id: uuid.UUID, subject_id: uuid.UUID
) -> TypicalCase:
    case = own_case(session, case_id, subject_id)
    return _move(session, now, case, CaseEvent.DECLINE, actor=PERSON_ACTOR)


def withdraw_case(
    session: Session, now: dt.datetime, *, case_id: uuid.UUID, subject_id: uuid.UUID
) -> TypicalCase:
    """The person withdraws consent: a published case leaves the public site at once."""
    case = own_case(session, case_id, subject_id)
    return _move(session, now, case, CaseEvent.WITHDRAW, actor=PERSON_ACTOR)


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def publish_case(
    session: Session, keys: KeyRing, now: dt.datetime, *, case_id: uuid.UUID, months: int,
    actor: str,
) -> TypicalCase:  # fmt: skip
    """Shown on the public site from today for `months`; only a consented case, and only the
    texts consented to (checked against the digest, so a changed row cannot be published)."""
    months = check_months(months)
    case = get_case(session, case_id)
    shown = view(keys, case)
    if digest(texts_of(case, shown.story_zh, shown.story_en)) != case.digest:
        raise Conflict("the case's texts are not those the person consented to",
                       field="case", rule="consent-digest")  # fmt: skip
    until = add_months(china_today(now), months) - dt.timedelta(days=1)
    return _move(session, now, case, CaseEvent.PUBLISH, actor=actor, published_at=now,
                 shown_until=until)  # fmt: skip


def retire_case(
    session: Session, keys: KeyRing, now: dt.datetime, *, case_id: uuid.UUID, reason: str,
    actor: str,
) -> TypicalCase:  # fmt: skip
    why = clean_text(reason, "reason", limit=MAX_REASON, lines=True)
    case = get_case(session, case_id)
    return _move(session, now, case, CaseEvent.RETIRE, actor=actor,
                 end_reason_enc=seal(keys, TABLE, "end_reason_enc", case.id, why))  # fmt: skip


def require_person(subject_id: uuid.UUID | None) -> uuid.UUID:
    if subject_id is None:
        raise Forbidden("only the person a case is about answers it", field="principal",
                        rule="own-subject")  # fmt: skip
    return subject_id


# --- reads ------------------------------------------------------------------------------------


def _shown(today: dt.date) -> Any:
    return (TypicalCase.state == CaseState.PUBLISHED) & (TypicalCase.shown_until >= today)


def published_cases(
    session: Session, today: dt.date, *, kind: CaseKind | None, page: int
) -> tuple[list[TypicalCase], int]:
    """The cases on the public site today, newest first, and how many there are."""
    where = _shown(today) if kind is None else _shown(today) & (TypicalCase.kind == kind)
    total = session.scalar(select(func.count()).select_from(TypicalCase).where(where)) or 0
    found = session.scalars(
        select(TypicalCase).where(where)
        .order_by(TypicalCase.published_at.desc(), TypicalCase.id)
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()  # fmt: skip
    return list(found), total


def published_case(session: Session, today: dt.date, case_id: uuid.UUID) -> TypicalCase:
    case = session.scalar(select(TypicalCase).where(TypicalCase.id == case_id, _shown(today)))
    if case is None:
        raise NotFound("no published typical case has this id", field="case_id")
    return case


def cases_of(session: Session, subject_id: uuid.UUID) -> list[TypicalCase]:
    return list(session.scalars(select(TypicalCase).where(TypicalCase.subject_id == subject_id)
                                .order_by(TypicalCase.asked_at.desc())))  # fmt: skip


def all_cases(session: Session, *, state: CaseState | None) -> list[TypicalCase]:
    query = select(TypicalCase).order_by(TypicalCase.asked_at.desc()).limit(200)
    if state is not None:
        query = query.where(TypicalCase.state == state)
    return list(session.scalars(query))
