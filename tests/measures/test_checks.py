"""The check service for implementing departments (R-6.4) with the shipped measures (R-6.2,
R-6.3) on a whole node: a clean person, a listed person, a listing that ended, a repaired
record, three clean years, an enterprise's listing reaching its legal representative."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from chengxin.measures.models import Check
from chengxin.queries.models import QueryEntry
from chengxin.records.changes import change_record
from chengxin.records.models import Change, Record, RecordStatus
from tests.collection.conftest import person
from tests.measures.world import (
    CAROL,
    CONFIRMED,
    DAN,
    ERIN,
    FRANK,
    check,
    enterprise_with,
    list_subject,
    register,
    serious_penalty,
    shipped,
)
from tests.platform import ALICE, Platform

# Also on PostgreSQL with the per-person tables hash-partitioned (`chengxin db partition`).
pytestmark = pytest.mark.layouts

LICENSING = "administrative_licensing"


def effects(answer: dict[str, Any]) -> set[str]:
    return {m["effect"] for m in answer["measures"]}


def assert_proportionate(node: Platform, answer: dict[str, Any]) -> None:
    """Every measure returned is the catalog's own, for this scenario, with its own effect."""
    catalog = shipped(node, answer["scenario"])
    for measure in answer["measures"]:
        own = catalog[measure["code"]]
        assert (measure["effect"], measure["kind"]) == (own.effect, own.kind)
        assert measure["legal_basis"]
        assert measure["implementing_department"]["zh"]
        assert measure["reasons"], measure["code"]


def test_r6_4_a_clean_person_gets_no_punishment_and_three_clean_years_the_green_channel(
    node: Platform,
) -> None:
    register(node, CAROL, "陈七")
    for scenario in ("air_rail_travel", "high_consumption", "civil_service_recruitment"):
        answer = check(node, CAROL, scenario)
        assert answer.status_code == 201, answer.text
        assert answer.json()["measures"] == []
    answer = check(node, CAROL, LICENSING).json()
    assert answer["person"] | {"subject_id": None} == {
        "found": True, "subject_id": None, "name": "陈七", "id_number": CAROL}  # fmt: skip
    assert {"green_channel", "documents_to_follow"} <= effects(answer)
    assert all(m["kind"] == "reward" for m in answer["measures"])
    reasons = [r for m in answer["measures"] for r in m["reasons"]]
    assert {(r["kind"], r["years"], r["since"]) for r in reasons} == {
        ("clean_record", 3, "2023-11-27")}  # fmt: skip
    assert_proportionate(node, answer)
    # Alice has a bad record from 2026: no green channel for her, and she sees the check.
    assert not {"green_channel", "documents_to_follow"} & effects(
        check(node, ALICE, LICENSING).json()
    )
    seen = node.call("GET", "/api/v1/me/queries", "alice").json()
    assert any(q["purpose"] == "administrative_duty" for q in seen), seen


def test_r6_3_a_listed_debtor_is_barred_from_flights_citing_the_entry_and_the_basis(
    node: Platform,
) -> None:
    entry_id = list_subject(node, register(node, DAN, "丁八"), "DISHONEST-JUDGMENT-DEBTOR")
    answer = check(node, DAN, "air_rail_travel").json()
    assert answer["measures"]
    assert effects(answer) == {"prohibit"}
    flights = [m for m in answer["measures"] if "飞机" in m["name"]["zh"]]
    assert len(flights) == 1, [m["name"]["zh"] for m in answer["measures"]]
    assert any("法释〔2015〕17号" in b["instrument"] for b in flights[0]["legal_basis"])
    (reason,) = flights[0]["reasons"]
    assert reason | {"list_name": None} == reason | {
        "kind": "list_entry", "entry_id": str(entry_id), "list_type": "DISHONEST-JUDGMENT-DEBTOR",
        "document_number": "（2026）京0105执1234号", "effective_from": CONFIRMED.isoformat(),
        "term_end": "2028-11-02", "via_organisation": False, "list_name": None,
    }  # fmt: skip
    assert flights[0]["until"] == "2028-11-02"
    assert_proportionate(node, answer)
    licensing = check(node, DAN, LICENSING).json()  # listed: no clean record, no green channel
    assert not {"green_channel", "documents_to_follow"} & effects(licensing)


def test_r6_3_a_listing_whose_term_ended_no_longer_counts(node: Platform) -> None:
    list_subject(node, register(node, DAN, "丁八"), "DISHONEST-JUDGMENT-DEBTOR")
    assert check(node, DAN, "air_rail_travel").json()["measures"]
    node.clock.now = dt.datetime(2028, 11, 3, 2, 0, tzinfo=dt.UTC)  # the day after its term
    assert check(node, DAN, "air_rail_travel").json()["measures"] == []


def test_r6_3_a_repaired_record_no_longer_counts(node: Platform) -> None:
    serious_penalty(node, FRANK, "冯九")
    before = check(node, FRANK, LICENSING).json()
    scrutiny = [m for m in before["measures"] if m["effect"] == "heightened_scrutiny"]
    assert scrutiny, before["measures"]
    assert {r["kind"] for m in scrutiny for r in m["reasons"]} == {"record"}
    assert not {"green_channel", "documents_to_follow"} & effects(before)
    with node.rt.sessions() as session, session.begin():
        record = session.scalars(select(Record).where(Record.source_record_id == "R-SERIOUS")).one()
        change_record(session, node.rt.workdays, node.clock(), record=record,
                      change=Change.REPAIRED, status=RecordStatus.REPAIRED,
                      reason="信用修复申请经认定单位同意", actor="test")  # fmt: skip
    after = check(node, FRANK, LICENSING).json()
    assert "heightened_scrutiny" not in effects(after)
    # Repair lifts the punishment: with no other bad record, the clean record speaks again.
    assert "green_channel" in effects(after)


def test_r6_3_an_enterprises_listing_reaches_its_legal_representative(node: Platform) -> None:
    erin = register(node, ERIN, "鄂十")
    list_subject(node, enterprise_with(node, erin), "WAGE-ARREARS")
    answer = check(node, ERIN, "civil_service_recruitment").json()
    assert answer["measures"], answer
    reasons = [r for m in answer["measures"] for r in m["reasons"]]
    assert {(r["kind"], r["list_type"], r["via_organisation"]) for r in reasons} == {
        ("list_entry", "WAGE-ARREARS", True)}  # fmt: skip
    assert_proportionate(node, answer)


def test_r6_4_a_subject_id_checks_the_same_person_again_and_an_unknown_number_finds_no_one(
    node: Platform,
) -> None:
    list_subject(node, register(node, DAN, "丁八"), "DISHONEST-JUDGMENT-DEBTOR")
    first = check(node, DAN, "air_rail_travel").json()
    body = {"subject_id": first["person"]["subject_id"], "scenario": "air_rail_travel",
            "legal_basis": "《民用航空法》"}  # fmt: skip
    again = node.call("POST", "/api/v1/checks", "DEPT-M", json=body)
    assert again.status_code == 201, again.text
    assert [m["code"] for m in again.json()["measures"]] == [m["code"] for m in first["measures"]]
    nobody = check(node, person(99, "19900101"), LICENSING)
    assert nobody.status_code == 201, nobody.text
    assert nobody.json()["person"] == {"found": False, "subject_id": None, "name": None,
                                       "id_number": None}  # fmt: skip
    assert nobody.json()["measures"] == []  # no record, and nobody to vouch for a clean one


def _written(node: Platform) -> tuple[int, int]:
    with node.rt.sessions() as session:
        checks = session.scalar(select(func.count()).select_from(Check)) or 0
        queries = session.scalar(select(func.count()).select_from(QueryEntry)) or 0
    return checks, queries


def test_r6_4_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    sqlite_node: Platform,
) -> None:
    node = sqlite_node
    register(node, CAROL, "陈七")
    before = _written(node)
    cases = [
        ({"scenario": "space_travel"}, "scenario", "enum"),
        ({"legal_basis": "   "}, "legal_basis", "length"),
        ({"id_number": "11010519900101123X"}, "id_number", "GB 11643 check character"),
        ({"id_number": "' OR 1=1 --"}, "id_number", None),
        ({"id_number": None}, "id_number", "required"),
        ({"subject_id": "00000000-0000-4000-8000-000000000000", "id_number": None},
         "subject_id", "unknown"),
        ({"subject_id": "00000000-0000-4000-8000-000000000000"}, "subject_id",
         "subject-or-id-number"),
    ]  # fmt: skip
    for change, field, rule in cases:
        body = {"id_number": CAROL, "scenario": "air_rail_travel", "legal_basis": "依据"} | change
        refused = node.call("POST", "/api/v1/checks", "DEPT-M", json=body)
        assert refused.status_code == 422, (change, refused.text)
        assert refused.json()["field"] == field, refused.text
        assert rule is None or refused.json()["rule"] == rule, refused.text
    base = {"id_number": CAROL, "scenario": "air_rail_travel", "legal_basis": "依据"}
    for body in ({**base, "legal_basis": "法" * 201}, {**base, "scenario": "x" * 41},
                 {**base, "surprise": True}, {"id_number": CAROL, "scenario": "schools"},
                 {**base, "id_number": "1" * 33}, [base]):  # fmt: skip
        refused = node.call("POST", "/api/v1/checks", "DEPT-M", json=body)
        assert refused.status_code == 422, refused.text
    huge = node.call("POST", "/api/v1/checks", "DEPT-M", content=b'{"a": "' + b"x" * 3_000_000 + b'"}',
                     headers={"Content-Type": "application/json"})  # fmt: skip
    assert huge.status_code in {413, 422}
    assert _written(node) == before
    # Only departments check: other roles are refused before anything is read.
    for who, status in (("BANK-A", 403), ("bank.clerk", 403), ("alice", 403), ("TAX-BJ", 403),
                        ("the.operator", 403), (None, 401)):  # fmt: skip
        assert check(node, CAROL, "air_rail_travel", who=who).status_code == status, who
    assert _written(node) == before
    # A department's account checks as well as its key, and each check is registered.
    assert check(node, CAROL, "air_rail_travel", who="dept.clerk").status_code == 201
    assert _written(node) == (before[0] + 1, before[1] + 1)
