"""Requester verbs (R-3.5): registry, violations, the violation blacklist, keys and staff."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from chengxin.access.models import KeyOwner
from chengxin.access.permissions import Role
from chengxin.access.service import create_api_key
from chengxin.errors import Conflict, InvalidInput, NotFound
from chengxin.ledger.models import LedgerEntry
from chengxin.requesters import service
from chengxin.requesters.models import (
    BlacklistEvent,
    Requester,
    RequesterBlacklistEvent,
    RequesterKind,
)

USCC = "911101051234567896"


def _add(session: Session, now: dt.datetime, code: str = "BANK-BJ",
         kind: RequesterKind = RequesterKind.BANK, **kw: str) -> Requester:  # fmt: skip
    return service.add_requester(session, now, code=code, name=kw.get("name", "北京某银行"),
                                 kind=kind, region_code=kw.get("region", "110105"),
                                 uscc=kw.get("uscc"), actor="test")  # fmt: skip


def _requester_entries(session: Session) -> list[dict[str, object]]:
    rows = session.scalars(
        select(LedgerEntry.body).where(LedgerEntry.kind == "requester").order_by(LedgerEntry.idx)
    )
    return [json.loads(body) for body in rows]


def test_r3_5_register_list_and_find_requesters(
    sessions: sessionmaker[Session], now: dt.datetime
) -> None:
    with sessions() as session, session.begin():
        bank = _add(session, now, uscc=" 91110105-1234567896 ")
        _add(session, now, code="GOV-TAX", kind=RequesterKind.GOVERNMENT_DEPARTMENT,
             name="北京市税务局")  # fmt: skip
    assert bank.uscc == USCC
    with sessions() as session:
        assert [r.code for r in service.list_requesters(session)] == ["BANK-BJ", "GOV-TAX"]
        assert service.get_requester(session, "GOV-TAX").kind is RequesterKind.GOVERNMENT_DEPARTMENT
        with pytest.raises(NotFound) as missing:
            service.get_requester(session, "NOPE")
        assert missing.value.field == "requester"
        registered = _requester_entries(session)
    assert [(e["event"], e["requester"]) for e in registered] == [
        ("registered", "BANK-BJ"),
        ("registered", "GOV-TAX"),
    ]
    assert "name" not in registered[0]


@pytest.mark.parametrize(
    ("kw", "field", "rule"),
    [
        ({"code": "bank"}, "code", "requester-code"),
        ({"code": "B"}, "code", "requester-code"),
        ({"code": "A" * 33}, "code", "requester-code"),
        ({"code": "BANK;DROP"}, "code", "requester-code"),
        ({"name": "x" * 201}, "name", "length"),
        ({"name": "   "}, "name", "length"),
        ({"region": "999999"}, "region_code", "region"),
        ({"region": "11010"}, "region_code", "region"),
        ({"uscc": "911101051234567890"}, "uscc", "GB 32100 check character"),
    ],
)
def test_r3_5_bad_requester_input_is_refused_naming_field_and_rule(
    sessions: sessionmaker[Session], now: dt.datetime, kw: dict[str, str], field: str, rule: str
) -> None:
    with sessions() as session, session.begin(), pytest.raises(InvalidInput) as refused:
        _add(session, now, **kw)
    assert (refused.value.field, refused.value.rule) == (field, rule)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Requester)) == 0


def test_r3_5_a_duplicate_code_is_a_conflict(
    sessions: sessionmaker[Session], now: dt.datetime
) -> None:
    with sessions() as session, session.begin():
        _add(session, now)
    with sessions() as session, session.begin(), pytest.raises(Conflict) as refused:
        _add(session, now, name="another")
    assert (refused.value.field, refused.value.rule) == ("code", "unique")


def test_r3_5_violations_go_on_file_and_in_the_ledger_without_their_text(
    sessions: sessionmaker[Session], now: dt.datetime
) -> None:
    with sessions() as session, session.begin():
        _add(session, now)
        service.record_violation(session, now, code="BANK-BJ", occurred_on=dt.date(2026, 10, 1),
                                 description="查询未获授权的个人信息", document_number="京信罚〔2026〕3号",
                                 actor="test")  # fmt: skip
    with sessions() as session, session.begin(), pytest.raises(InvalidInput) as future:
        service.record_violation(session, now, code="BANK-BJ", occurred_on=dt.date(2026, 11, 27),
                                 description="x", actor="test")  # fmt: skip
    assert (future.value.field, future.value.rule) == ("occurred_on", "date-past")
    with sessions() as session, session.begin(), pytest.raises(InvalidInput) as long_text:
        service.record_violation(session, now, code="BANK-BJ", occurred_on=dt.date(2026, 10, 1),
                                 description="x" * 1001, actor="test")  # fmt: skip
    assert long_text.value.field == "description"
    with sessions() as session, session.begin(), pytest.raises(NotFound):
        service.record_violation(session, now, code="NOPE", occurred_on=dt.date(2026, 10, 1),
                                 description="x", actor="test")  # fmt: skip
    with sessions() as session:
        bank = service.get_requester(session, "BANK-BJ")
        (violation,) = service.violations_of(session, bank.id)
        entry = _requester_entries(session)[-1]
    assert violation.document_number == "京信罚〔2026〕3号"
    assert bank.blacklisted_at is None  # a violation alone does not blacklist
    assert entry["event"] == "violation"
    assert entry["violation"] == str(violation.id)
    assert entry["occurred_on"] == "2026-10-01"
    assert "查询" not in json.dumps(entry, ensure_ascii=False)
    assert len(str(entry["description_hash"])) == 64


def test_r3_5_blacklisting_sets_the_state_at_once_and_writes_the_ledger_entry(
    sessions: sessionmaker[Session], now: dt.datetime
) -> None:
    with sessions() as session, session.begin():
        _add(session, now)
        service.blacklist_requester(session, now, code="BANK-BJ", reason="超范围查询个人信息",
                                    actor="account:op", document_number="京信黑〔2026〕1号")  # fmt: skip
    with sessions() as session:
        bank = service.get_requester(session, "BANK-BJ")
        entry = _requester_entries(session)[-1]
        (event,) = service.blacklist_history(session, bank.id)
    assert (bank.blacklisted_at, bank.blacklisted_by) == (now, "account:op")
    assert bank.blacklist_reason == "超范围查询个人信息"
    assert event.event is BlacklistEvent.BLACKLISTED
    assert entry["kind"] == "requester"
    assert (entry["event"], entry["requester"]) == ("blacklisted", "BANK-BJ")
    assert entry["requester_id"] == str(bank.id)
    assert entry["document_number"] == "京信黑〔2026〕1号"
    assert "超范围" not in json.dumps(entry, ensure_ascii=False)
    later = now + dt.timedelta(hours=1)
    with sessions() as session, session.begin(), pytest.raises(InvalidInput) as twice:
        service.blacklist_requester(session, later, code="BANK-BJ", reason="again", actor="t")
    assert (twice.value.field, twice.value.rule) == ("requester", "already-blacklisted")
    with sessions() as session:
        assert service.get_requester(session, "BANK-BJ").blacklisted_at == now  # unchanged
        assert session.scalar(select(func.count()).select_from(RequesterBlacklistEvent)) == 1


def test_r3_5_lifting_a_blacklisting_keeps_its_history(
    sessions: sessionmaker[Session], now: dt.datetime
) -> None:
    with sessions() as session, session.begin():
        _add(session, now)
        with pytest.raises(InvalidInput) as not_listed:
            service.lift_blacklist(session, now, code="BANK-BJ", reason="x", actor="t")
        assert not_listed.value.rule == "not-blacklisted"
        service.blacklist_requester(session, now, code="BANK-BJ", reason="违规", actor="t")
        service.lift_blacklist(session, now + dt.timedelta(days=30), code="BANK-BJ",
                               reason="行政复议撤销", actor="t")  # fmt: skip
    with sessions() as session:
        bank = service.get_requester(session, "BANK-BJ")
        history = service.blacklist_history(session, bank.id)
        events = [e["event"] for e in _requester_entries(session)]
    assert bank.blacklisted_at is None
    assert [e.event for e in history] == [BlacklistEvent.BLACKLISTED, BlacklistEvent.LIFTED]
    assert events[-2:] == ["blacklisted", "blacklist-lifted"]


def test_r3_5_keys_and_staff_of_requesters(
    sessions: sessionmaker[Session], now: dt.datetime
) -> None:
    with sessions() as session, session.begin():
        bank = _add(session, now)
        _add(session, now, code="GOV-TAX", kind=RequesterKind.GOVERNMENT_DEPARTMENT)
        key, token = service.create_requester_key(session, now, code="BANK-BJ", label="loans",
                                                  actor="t")  # fmt: skip
        clerk = service.add_staff(session, now, code="BANK-BJ", username="bank.clerk",
                                  password="a long pass phrase", actor="t")  # fmt: skip
        officer = service.add_staff(session, now, code="GOV-TAX", username="tax.officer",
                                    password="a long pass phrase", actor="t")  # fmt: skip
        source_key, _ = create_api_key(session, now, owner_kind=KeyOwner.SOURCE,
                                       owner_id=bank.id, label="x", actor="t")  # fmt: skip
    assert token.startswith("cxk_")
    assert (key.owner_kind, key.owner_id) == (KeyOwner.REQUESTER, bank.id)
    assert (clerk.role, clerk.requester_id) == (Role.REQUESTER, bank.id)
    assert officer.role == Role.DEPARTMENT
    with sessions() as session, session.begin():
        assert [k.prefix for k in service.requester_keys(session, bank)] == [key.prefix]
        assert [a.username for a in service.staff_of(session, bank.id)] == ["bank.clerk"]
        with pytest.raises(NotFound):
            service.revoke_requester_key(session, now, source_key.prefix, actor="t")
        assert service.revoke_requester_key(session, now, key.prefix, actor="t").revoked_at == now
        service.blacklist_requester(session, now, code="BANK-BJ", reason="违规", actor="t")
        for refused in (
            lambda: service.create_requester_key(session, now, code="BANK-BJ", label="x",
                                                 actor="t"),
            lambda: service.add_staff(session, now, code="BANK-BJ", username="other.clerk",
                                      password="a long pass phrase", actor="t"),
        ):  # fmt: skip
            with pytest.raises(InvalidInput) as blacklisted:
                refused()
            assert (blacklisted.value.field, blacklisted.value.rule) == ("requester", "blacklisted")
