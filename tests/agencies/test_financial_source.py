"""R-5.5: the financial credit information base database (金融信用信息基础数据库) as a source:
its serious-dishonesty record, sent over the API, is ingested and queued for the national
platform. (The batch path is covered in tests/exchange/test_push.py.)"""

from __future__ import annotations

from typing import Any

from chengxin.catalog.vocab import SourceKind
from chengxin.collection import sources
from chengxin.exchange.criteria import shipped_criteria
from chengxin.exchange.push import pending, queue_upward
from chengxin.records.models import Record
from tests.exchange.conftest import evasion
from tests.platform import Platform

ITEM = "FINANCE-MALICIOUS-DEBT-EVASION"


def test_r5_5_a_serious_record_of_the_credit_database_is_ingested_and_queued(
    whole: Platform,
) -> None:
    """R-5.5: a source of kind financial_credit_database may supply the serious item; a record
    sent with its key is stored and the push queues it (criterion: serious category)."""
    p = whole
    with p.rt.sessions() as session, session.begin():
        source = sources.add_source(session, p.clock(), code="PBOC-CRC", name="中国人民银行征信中心",
                                    region_code="110000",
                                    kind=SourceKind.FINANCIAL_CREDIT_DATABASE,
                                    actor="test")  # fmt: skip
        sources.grant_item(session, p.rt.catalog, p.clock(), source, ITEM, actor="test")
        token = sources.create_source_key(session, p.clock(), source, label="t", actor="t")[1]
    row: dict[str, Any] = evasion(7)
    body = {"id_number": row.pop("id_number"), "name": row.pop("name"), "item": ITEM,
            "record_id": row.pop("record_id"), "fields": row}  # fmt: skip
    answer = p.client.post("/api/v1/records", json=body,
                           headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert answer.status_code == 201, answer.text
    assert answer.json()["accepted"] == 1

    with p.rt.sessions() as session, session.begin():
        report = queue_upward(session, p.clock(), criteria=shipped_criteria(p.rt.catalog))
    assert report.queued == 1
    with p.rt.sessions() as session:
        [owed] = pending(session)
        record = session.get_one(Record, owed.record_id)
        assert (record.item_code, record.category, record.origin) == (ITEM, "serious", None)
    assert owed.criterion == "category:serious"
