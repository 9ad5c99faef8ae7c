"""Helpers for commitment tests on a whole node (R-7.2): a second department, a commitment body,
row counts of every table a commitment writes, and days on the Beijing calendar."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from chengxin.access.models import KeyOwner
from chengxin.access.service import create_api_key
from chengxin.clock import CHINA_TZ
from chengxin.collection.models import Batch, Source, SourceGrant
from chengxin.commitments.models import Commitment
from chengxin.identity.models import IdentityReview, Subject
from chengxin.ledger.models import LedgerEntry
from chengxin.notifications.models import Notification
from chengxin.records.models import Record, RecordVersion
from chengxin.requesters import service as requesters
from chengxin.requesters.models import RequesterKind
from tests.platform import ALICE, Platform

BODY: dict[str, Any] = {
    "id_number": ALICE, "name": "张一", "kind": "documents_to_follow",
    "document_number": "京人社容缺承〔2026〕12号", "matter": "补交本科学历证书原件",
    "terms": "本人承诺于期限内补交学历证书原件；逾期未补交的，同意按违背承诺处理。",
    "made_on": "2026-11-20", "deadline": "2026-12-10",
}  # fmt: skip
TABLES = (Commitment, Record, RecordVersion, Batch, Notification, Subject, IdentityReview,
          Source, SourceGrant, LedgerEntry)  # fmt: skip


def beijing(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=CHINA_TZ).astimezone(dt.UTC)


def set_day(node: Platform, day: dt.date, hour: int = 10) -> None:
    """Move the node's clock; sessions from before have ended, so the people log in again."""
    node.clock.now = beijing(day, hour)
    for user in ("alice", "the.reviewer", "the.auditor"):
        node.login(user)


def add_department(node: Platform, code: str = "DEPT-N") -> None:
    """Another implementing department with an API key (`node.tokens[code]`)."""
    now = node.clock()
    with node.rt.sessions() as session, session.begin():
        row = requesters.add_requester(session, now, code=code, name=f"{code} 名称",
                                       kind=RequesterKind.GOVERNMENT_DEPARTMENT,
                                       region_code="110000", actor="test")  # fmt: skip
        node.tokens[code] = create_api_key(session, now, owner_kind=KeyOwner.REQUESTER,
                                           owner_id=row.id, label="t", actor="t")[1]  # fmt: skip


def counts(node: Platform) -> dict[str, int]:
    with node.rt.sessions() as session:
        return {t.__tablename__: session.scalar(select(func.count()).select_from(t)) or 0
                for t in TABLES}  # fmt: skip


def make(node: Platform, who: str = "DEPT-M", **changes: Any) -> dict[str, Any]:
    answer = node.call("POST", "/api/v1/commitments", who, json={**BODY, **changes})
    assert answer.status_code == 201, answer.text
    made: dict[str, Any] = answer.json()
    return made


def notices(node: Platform, topic: str) -> list[dict[str, Any]]:
    inbox = node.call("GET", "/api/v1/me/notifications", "alice").json()
    return [n for n in inbox if n["topic"] == topic]


def my_records(node: Platform, item: str) -> list[dict[str, Any]]:
    report = node.call("GET", "/api/v1/me/records", "alice")
    assert report.status_code == 200, report.text
    return [r for r in report.json()["records"] if r["item"] == item]
