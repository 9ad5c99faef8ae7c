"""Typical-case verbs on both databases (R-7.1): ask, consent, publish for a period, withdraw;
each step in the ledger, the consent bound to the texts' digest; only the person answers."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import update

from chengxin.errors import Conflict, NotFound
from chengxin.notifications.models import Notification
from chengxin.typicalcases import service
from chengxin.typicalcases.models import TypicalCase
from chengxin.typicalcases.rules import CaseKind, CaseState
from tests.platform import ALICE, BOB, Platform

STORY_ZH = "张某多年来坚持按期纳税，补缴税款后主动公开承诺依法经营，成为守信激励的典型。"
STORY_EN = "Ms Zhang has paid her taxes on time for years and publicly committed to lawful trade."


def _ask(node: Platform, id_number: str = ALICE) -> uuid.UUID:
    rt = node.rt
    with rt.sessions() as session, session.begin():
        case = service.ask_case(
            session, rt.keys, node.clock(), id_number=id_number, kind=CaseKind.HONOUR,
            region_code="110105", title_zh="依法纳税的个体户", title_en="A taxpayer who keeps her word",
            story_zh=STORY_ZH, story_en=STORY_EN, actor="account:the.reviewer",
        )  # fmt: skip
        return case.id


def test_r7_1_a_case_reaches_the_public_only_with_consent_and_leaves_on_withdrawal(
    node: Platform,
) -> None:
    rt, alice = node.rt, node.subject(ALICE)
    case_id = _ask(node)
    with rt.sessions() as session:
        assert service.published_cases(session, node.clock().date(), kind=None, page=1)[1] == 0
        notice = session.query(Notification).filter_by(subject_id=alice).one()
        assert notice.topic == "typical_case.asked"
        assert notice.ref == str(case_id)
    with rt.sessions() as session, session.begin(), pytest.raises(Conflict):
        service.publish_case(session, rt.keys, node.clock(), case_id=case_id, months=12,
                             actor="account:the.reviewer")  # fmt: skip
    with rt.sessions() as session, session.begin(), pytest.raises(NotFound):
        service.consent_case(session, node.clock(), case_id=case_id,
                             subject_id=node.subject(BOB))  # not Bob's to answer  # fmt: skip
    with rt.sessions() as session, session.begin():
        case = service.consent_case(session, node.clock(), case_id=case_id, subject_id=alice)
        consent_index = case.consent_ledger_index
        service.publish_case(session, rt.keys, node.clock(), case_id=case_id, months=12,
                             actor="account:the.reviewer")  # fmt: skip
    today = node.clock().date()
    with rt.sessions() as session:
        shown, total = service.published_cases(session, today, kind=None, page=1)
        assert (total, [c.id for c in shown]) == (1, [case_id])
        case = service.published_case(session, today, case_id)
        assert case.masked_name == "张*"
        assert today == dt.date(2026, 11, 26)
        assert case.shown_until == dt.date(2027, 11, 25)  # twelve months, the last day
        assert service.published_cases(session, case.shown_until + dt.timedelta(days=1),
                                       kind=None, page=1)[1] == 0  # fmt: skip
        digest = case.digest
    entry = node.call("GET", f"/api/v1/ledger/entries/{consent_index}", "the.auditor").json()
    assert entry["entry"] | {"index": 0, "at": ""} == {
        "kind": "typical_case", "id": str(case_id), "subject": str(alice), "event": "consent",
        "from": "asked", "to": "consented", "actor": "person", "digest": digest,
        "index": 0, "at": "",
    }  # fmt: skip
    with rt.sessions() as session, session.begin():
        service.withdraw_case(session, node.clock(), case_id=case_id, subject_id=alice)
    with rt.sessions() as session:
        assert service.published_cases(session, today, kind=None, page=1)[1] == 0
        with pytest.raises(NotFound):
            service.published_case(session, today, case_id)
        assert session.get_one(TypicalCase, case_id).state == CaseState.ENDED


def test_r7_1_a_text_changed_after_consent_cannot_be_published(node: Platform) -> None:
    rt, alice = node.rt, node.subject(ALICE)
    case_id = _ask(node)
    with rt.sessions() as session, session.begin():
        service.consent_case(session, node.clock(), case_id=case_id, subject_id=alice)
        session.execute(update(TypicalCase).where(TypicalCase.id == case_id)
                        .values(title_zh="改过的标题"))  # fmt: skip
    with rt.sessions() as session, session.begin(), pytest.raises(Conflict) as refused:
        service.publish_case(session, rt.keys, node.clock(), case_id=case_id, months=6,
                             actor="account:the.reviewer")  # fmt: skip
    assert refused.value.rule == "consent-digest"
    with rt.sessions() as session:
        assert session.get_one(TypicalCase, case_id).state == CaseState.CONSENTED
