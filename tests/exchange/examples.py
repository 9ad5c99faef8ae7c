"""One example of each message kind of the exchange format (R-5.1), valid as written; the tests
change one thing at a time. The same examples appear in docs/exchange-format.md."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

from chengxin.catalog.vocab import Category, DisclosureLevel, SourceKind
from chengxin.exchange.canonical import JsonValue, dumps
from chengxin.exchange.messages import (
    Ack,
    AckOutcome,
    AckRefusal,
    Correction,
    Expiry,
    ListEntryMessage,
    ListRemoval,
    Message,
    OrganisationRef,
    PersonRef,
    RecordState,
    RecordVersionMessage,
    Repair,
    Revocation,
    SourceRef,
)
from chengxin.identity.models import OrgRole
from chengxin.lists.rules import ListKind, RemovalReason
from chengxin.records.models import Change, RecordStatus

AT = dt.datetime(2026, 5, 6, 2, 30, 15, 120000, tzinfo=dt.UTC)
ORIGIN = "CN-330000"
NATIONAL = "CN-NATIONAL"
ID_NUMBER = "11010519491231002X"  # the standard's own example number
USCC = "91110000802100433B"
RECORD = uuid.UUID("0190a3c4-5e6f-7a8b-9c0d-1e2f3a4b5c6d")
ENTRY = uuid.UUID("0190a3c4-7777-7a8b-9c0d-1e2f3a4b5c6d")
PERSON = PersonRef(ID_NUMBER, "张三")
ORGANISATION = OrganisationRef(USCC, "杭州某某建筑工程有限公司")
SOURCE = SourceRef("ZJ-TAX", "国家税务总局浙江省税务局", SourceKind.GOVERNMENT_DEPARTMENT, "330000")
CONTENT: dict[str, JsonValue] = {
    "authority": "国家税务总局杭州市税务局稽查局",
    "decision_date": "2026-03-02",
    "decision_number": "杭税稽罚〔2026〕12号",
    "facts": "未按期申报个人所得税",
    "fine_amount": "2000.00",
    "legal_provisions": "《中华人民共和国税收征收管理法》第六十二条",
    "penalty_content": "罚款2000元",
    "penalty_types": ["fine"],
    "severity": "general",
    "violation_type": "逾期申报",
}


def message_id(n: int) -> uuid.UUID:
    return uuid.UUID(f"0190a3c4-0000-7000-8000-{n:012d}")


def state(content: dict[str, JsonValue] = CONTENT, item_code: str = "PENALTY-TAX") -> RecordState:
    digest = hashlib.sha256(f"{item_code}\n{dumps(dict(content))}".encode()).hexdigest()
    return RecordState(
        content=content, content_hash=digest, item_version=dt.date(2021, 1, 1),
        document_number=str(content["decision_number"]), decision_date=dt.date(2026, 3, 2),
        occurrence_date=dt.date(2026, 1, 15), severity="general", publicised=True,
        display_start=dt.date(2026, 3, 2), display_earliest_end=dt.date(2026, 6, 2),
        display_latest_end=dt.date(2029, 3, 2),
    )  # fmt: skip


def examples() -> dict[str, Message]:
    corrected = {**CONTENT, "fine_amount": "1500.00", "penalty_content": "罚款1500元"}
    return {
        "record_version": RecordVersionMessage(
            id=message_id(1), origin=ORIGIN, at=AT, record_id=RECORD, version=1,
            change=Change.CREATED, status=RecordStatus.ACTIVE, reason="batch 7f3c",
            subject=PERSON, source=SOURCE, item_code="PENALTY-TAX", category=Category.BAD,
            disclosure=DisclosureLevel.PUBLIC, state=state(),
        ),
        "correction": Correction(
            id=message_id(2), origin=ORIGIN, at=AT, record_id=RECORD, version=2,
            change=Change.CORRECTED, reason="罚款金额更正 fine amount corrected",
            item_code="PENALTY-TAX", state=state(corrected),
        ),
        "revocation": Revocation(
            id=message_id(3), origin=ORIGIN, at=AT, record_id=RECORD, version=3,
            change=Change.OBJECTION_REVOKED, reason="异议成立 objection upheld",
        ),
        "repair": Repair(
            id=message_id(4), origin=ORIGIN, at=AT, record_id=RECORD, version=3,
            reason="信用修复 repair 0190a3c4", rule_set="ndrc-order-36",
        ),
        "expiry": Expiry(
            id=message_id(5), origin=ORIGIN, at=dt.datetime(2029, 3, 3, 0, 10, 5, tzinfo=dt.UTC), record_id=RECORD, version=3,
            display_ended_on=dt.date(2029, 3, 2),
        ),
        "list_entry": ListEntryMessage(
            id=message_id(6), origin=ORIGIN, at=AT, entry_id=ENTRY, version=5,
            list_type="WAGE-ARREARS", type_effective_from=dt.date(2021, 11, 1),
            list_kind=ListKind.SERIOUS_DISHONESTY, subject=PERSON, source=SOURCE,
            document_number="浙人社列〔2026〕3号", decision_date=dt.date(2026, 4, 20),
            conduct_date=dt.date(2026, 1, 15), effective_from=dt.date(2026, 5, 6),
            term_end=dt.date(2029, 5, 5), via_organisation=ORGANISATION,
            org_role=OrgRole.LEGAL_REPRESENTATIVE,
            org_entry_id=uuid.UUID("0190a3c4-6666-7a8b-9c0d-1e2f3a4b5c6d"),
        ),
        "list_removal": ListRemoval(
            id=message_id(7), origin=ORIGIN, at=dt.datetime(2027, 5, 6, 1, 0, tzinfo=dt.UTC), entry_id=ENTRY, version=6,
            removal_reason=RemovalReason.EARLY_REMOVAL, document_number="浙人社移〔2026〕9号",
        ),
        "ack": Ack(
            id=message_id(8), at=AT, sequence=41, messages_sha256="ab" * 32,
            outcome=AckOutcome.APPLIED,
            refused=(AckRefusal(message_id(9), "record_id", "unknown-record"),),
        ),
    }  # fmt: skip


EXAMPLES = examples()
