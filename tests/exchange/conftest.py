"""A node with the sources the push cares about: the financial credit database (征信中心), a
credit agency, and government sources sending the same or serious items (R-5.5)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from chengxin.catalog.schema import Catalog
from chengxin.catalog.vocab import SourceKind
from chengxin.collection import service, sources
from chengxin.collection.ingest import Receipt
from chengxin.collection.readers import Limits
from chengxin.exchange.criteria import shipped_criteria
from chengxin.exchange.push_rules import PushCriteria
from chengxin.keys import KeyRing
from chengxin.records.models import Record
from tests.collection.conftest import catalog, person, write_jsonl
from tests.conftest import NOW

__all__ = ["catalog"]
DIGITS = "零一二三四五六七八九"
SOURCES = {  # code: kind, items granted
    "PBOC-CRC": (SourceKind.FINANCIAL_CREDIT_DATABASE,
                 ("FINANCE-MALICIOUS-DEBT-EVASION", "STUDENT-LOAN-DEFAULT")),
    "AGENCY-BH": (SourceKind.CREDIT_AGENCY, ("FINANCE-MALICIOUS-DEBT-EVASION",)),
    "STUDENT-AID": (SourceKind.GOVERNMENT_DEPARTMENT, ("STUDENT-LOAN-DEFAULT",)),
    "TAX-BJ": (SourceKind.GOVERNMENT_DEPARTMENT, ("LIST-TAX-MAJOR-VIOLATION", "PENALTY-TAX")),
}  # fmt: skip


def name(surname: str, n: int) -> str:
    """A name for person n (names hold no digits)."""
    return surname + "".join(DIGITS[int(d)] for d in str(n))


def evasion(n: int, **fields: Any) -> dict[str, Any]:
    """A FINANCE-MALICIOUS-DEBT-EVASION row about person n."""
    return {"id_number": person(n), "name": name("钱", n), "record_id": f"E{n}",
            "document_number": f"（2026）京0105民初{n}号", "creditor": "某商业银行北京分行",
            "debt_type": "loan", "evasion_conduct": "transfers_assets",
            "outstanding_amount": "350000.00", "conduct_date": "2025-09-01",
            "decision_date": "2026-06-15", **fields}  # fmt: skip


def loan_default(n: int, overdue_days: int | None, **fields: Any) -> dict[str, Any]:
    """A STUDENT-LOAN-DEFAULT row about person n (born 1998: an adult when it began)."""
    row = {"id_number": person(n, "19980101"), "name": name("孙", n), "record_id": f"L{n}",
           "contract_number": f"GJZXDK-2019-{n:04d}", "lender": "国家开发银行北京分行",
           "conduct_date": "2025-12-01", "overdue_amount": "8000.00",
           "decision_date": "2026-06-30", **fields}  # fmt: skip
    if overdue_days is not None:
        row["overdue_days"] = overdue_days
    return row


def tax_listing(n: int) -> dict[str, Any]:
    """A LIST-TAX-MAJOR-VIOLATION row (serious, from a government department)."""
    return {"id_number": person(n), "name": name("李", n), "record_id": f"T{n}",
            "list_document_number": f"京税稽公〔2026〕{n}号", "listed_on": "2026-07-01",
            "authority": "国家税务总局北京市税务局第一稽查局", "reason": "逃避缴纳税款",
            "legal_provisions": "《重大税收违法失信主体信息公布管理办法》第六条",
            "role": "taxpayer", "violation_type": "tax_evasion"}  # fmt: skip


class Node:
    """The database, keys, catalog and push criteria of one node, with its sources."""

    def __init__(self, sessions: sessionmaker[Session], keys: KeyRing, catalog: Catalog,
                 tmp: Path) -> None:  # fmt: skip
        self.sessions, self.keys, self.catalog, self.tmp = sessions, keys, catalog, tmp
        self.criteria: PushCriteria = shipped_criteria(catalog)
        self.files = 0
        with sessions() as session, session.begin():
            for code, (kind, items) in SOURCES.items():
                source = sources.add_source(session, NOW, code=code, name=f"{code} 名称",
                                            region_code="110000", kind=kind, actor="test")  # fmt: skip
                for item in items:
                    sources.grant_item(session, catalog, NOW, source, item, actor="test")

    def send(self, source: str, item: str, rows: Sequence[dict[str, Any]],
             now: dt.datetime = NOW) -> Receipt:  # fmt: skip
        self.files += 1
        path = write_jsonl(self.tmp / f"batch{self.files}.jsonl", rows)
        receipt = service.ingest_file(
            self.sessions, self.keys, self.catalog, lambda: now, path=path, source_code=source,
            item_code=item, actor="test", limits=Limits(),
        )  # fmt: skip
        if receipt.refused:
            with self.sessions() as session:
                errors = service.batch_errors(session, receipt.batch_id)
                pytest.fail(f"refused: {[(e.field, e.rule, e.message) for e in errors]}")
        return receipt

    def record(self, source_record_id: str) -> Record:
        with self.sessions() as session:
            return session.scalars(
                select(Record).where(Record.source_record_id == source_record_id)
            ).one()

    def record_id(self, source_record_id: str) -> uuid.UUID:
        return self.record(source_record_id).id


@pytest.fixture
def node(sessions: sessionmaker[Session], keys: KeyRing, catalog: Catalog, tmp_path: Path) -> Node:
    return Node(sessions, keys, catalog, tmp_path)


@pytest.fixture
def committed_node(
    committing_sessions: sessionmaker[Session], keys: KeyRing, catalog: Catalog, tmp_path: Path
) -> Node:
    return Node(committing_sessions, keys, catalog, tmp_path)
