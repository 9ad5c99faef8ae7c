"""People to check on a whole node: a clean person, a listed debtor, an enterprise whose listing
reaches its legal representative, a person with a serious penalty — set up through the real
listing, identity and collection verbs."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from chengxin.catalog.vocab import SourceKind
from chengxin.collection import sources
from chengxin.identity import organisations
from chengxin.identity import service as identity
from chengxin.identity.models import OrgRole
from chengxin.lists import service as lists
from chengxin.lists.service import ListContext
from chengxin.lists.types import shipped_types
from chengxin.measures.types import Measure, Scenario
from tests.collection.conftest import penalty_row, person
from tests.lists.conftest import beijing
from tests.platform import Platform

CAROL = person(11, "19750601")  # no records at all
DAN = person(12, "19820202")  # a dishonest judgment debtor
ERIN = person(13, "19880808")  # legal representative of a listed enterprise
FRANK = person(14, "19791010")  # a serious tax penalty
USCC = "91110000802100433B"
PROPOSED, CONFIRMED = dt.date(2026, 10, 9), dt.date(2026, 11, 2)


def check(node: Platform, id_number: str, scenario: str, who: str = "DEPT-M", **kw: Any) -> Any:
    body = {"id_number": id_number, "scenario": scenario, "legal_basis": "《行政许可法》第三十一条"}
    return node.call("POST", "/api/v1/checks", who, json=body | kw)


def shipped(node: Platform, scenario: str) -> dict[str, Measure]:
    today = node.clock().date()
    return {m.code: m for m in node.rt.measures.in_force(today)
            if Scenario(scenario) in m.scenarios}  # fmt: skip


def register(node: Platform, number: str, name: str) -> uuid.UUID:
    with node.rt.sessions() as session, session.begin():
        return identity.register_person(
            session, node.rt.keys, node.clock(), number, name, actor="test"
        ).subject_id


def _source(node: Platform, code: str, kind: SourceKind, item: str) -> uuid.UUID:
    with node.rt.sessions() as session, session.begin():
        source = sources.add_source(session, node.clock(), code=code, name=f"{code} 名称",
                                    region_code="110105", kind=kind, actor="test")  # fmt: skip
        sources.grant_item(session, node.rt.catalog, node.clock(), source, item, actor="test")
        return source.id


def list_subject(node: Platform, subject_id: uuid.UUID, list_type: str) -> uuid.UUID:
    """Propose, let the notice window run, and confirm: in effect from CONFIRMED."""
    kind, item = {
        "DISHONEST-JUDGMENT-DEBTOR": (SourceKind.COURT, "JUDICIAL-DISHONEST-DEBTOR"),
        "WAGE-ARREARS": (SourceKind.GOVERNMENT_DEPARTMENT, "LIST-WAGE-ARREARS"),
    }[list_type]
    source_id = _source(node, f"S-{list_type[:20]}", kind, item)
    ctx = ListContext(node.rt.keys, node.rt.workdays, shipped_types())
    with node.rt.sessions() as session, session.begin():
        entry = lists.propose_listing(
            session, ctx, beijing(PROPOSED), source_id=source_id, list_type=list_type,
            subject_id=subject_id, document_number="（2026）京0105执1234号",
            decision_date=PROPOSED, reasons="有履行能力而拒不履行生效法律文书确定的义务", actor="test",
        )  # fmt: skip
    with node.rt.sessions() as session, session.begin():
        lists.confirm_listing(session, ctx, beijing(CONFIRMED), entry_id=entry.id,
                              source_id=source_id, actor="test")  # fmt: skip
    return entry.id


def enterprise_with(node: Platform, legal_representative: uuid.UUID) -> uuid.UUID:
    with node.rt.sessions() as session, session.begin():
        org = organisations.register_organisation(
            session, node.rt.keys, node.clock(), USCC, "某建筑劳务有限公司"
        ).subject_id
        organisations.link_person_to_organisation(
            session, node.clock(), person_id=legal_representative, organisation_id=org,
            role=OrgRole.LEGAL_REPRESENTATIVE, start=dt.date(2019, 1, 1),
        )  # fmt: skip
    return org


def serious_penalty(node: Platform, number: str, name: str) -> None:
    row = penalty_row(14, number=number, name=name, record="R-SERIOUS", decided="2026-06-01")
    row[-1] = "serious"
    node.ingest([row], "PENALTY-TAX", "serious.csv")
