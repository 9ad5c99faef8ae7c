"""Wrong, hostile and oversized commitments are refused naming the field and the rule, and
nothing is written — no commitment, record, batch, notice, person, review case or ledger entry
(R-7.2; errors as answers, R-2.2 "nothing half-written")."""

from __future__ import annotations

import uuid
from typing import Any

from chengxin.access.permissions import Role
from chengxin.measures.models import Check
from chengxin.queries.models import QueryEntry
from chengxin.queries.rules import Outcome
from chengxin.requesters.models import Requester
from tests.collection.conftest import person
from tests.commitments.conftest import BODY, add_department, counts, make
from tests.platform import BOB, Platform

ALICE_WRONG_CHECK = person(1, "19850316")  # a valid number one day off


def _check(node: Platform, requester: str, subject: Any) -> str:
    """A check (核查) by a department about a person, as the measures service leaves one."""
    with node.rt.sessions() as session, session.begin():
        requester_id = session.query(Requester.id).filter(Requester.code == requester).scalar()
        query = QueryEntry(id=uuid.uuid4(), at=node.clock(), actor="test", role=Role.DEPARTMENT,
                           requester_id=requester_id, subject_id=subject, purpose="licensing",
                           items="", record_count=0, outcome=Outcome.ANSWERED, flags="",
                           channel="api", ledger_index=0)  # fmt: skip
        session.add(query)
        session.flush()
        check = Check(id=uuid.uuid4(), at=node.clock(), requester_id=requester_id, actor="test",
                      subject_id=subject, scenario="licence", query_id=query.id, measures=1)  # fmt: skip
        session.add(check)
        return str(check.id)


CASES: list[tuple[dict[str, Any], int, str, str | None]] = [
    ({"made_on": "2026-13-01"}, 422, "made_on", "date_from_datetime_parsing"),
    ({"deadline": "tomorrow"}, 422, "deadline", "date_from_datetime_parsing"),
    ({"made_on": "2026-11-27"}, 422, "made_on", "future-date"),
    ({"made_on": "2025-01-01"}, 422, "made_on", "too-old"),
    ({"deadline": "2026-11-19"}, 422, "deadline", "deadline-order"),
    ({"made_on": "2026-11-01", "deadline": "2026-11-25"}, 422, "deadline", "deadline-passed"),
    ({"deadline": "2031-11-21"}, 422, "deadline", "max-term"),
    ({"kind": "promise"}, 422, "kind", "enum"),
    ({"kind": "credit_repair"}, 422, "kind", "enum"),  # a catalog value, not one of ours
    ({"matter": "补" * 501}, 422, "matter", "string_too_long"),
    ({"matter": "   "}, 422, "matter", "length"),
    ({"matter": "补交证书\x1b[31m"}, 422, "matter", "control"),
    ({"terms": "条" * 2001}, 422, "terms", "string_too_long"),
    ({"document_number": ""}, 422, "document_number", "length"),
    ({"id_number": BODY["id_number"][:-1] + "0"}, 422, "id_number", "GB 11643 check character"),
    ({"id_number": "1" * 33}, 422, "id_number", "string_too_long"),
    ({"name": "张二"}, 422, "name", "name-mismatch"),  # the number is Alice's
    ({"name": "<script>"}, 422, "name", "name-characters"),
    ({"check_id": str(uuid.uuid4())}, 404, "check_id", None),
    ({"role": "operator"}, 422, "role", "extra_forbidden"),
]


def test_r7_2_bad_commitments_are_refused_and_nothing_is_written(node: Platform) -> None:
    before = counts(node)
    for changes, status, field, rule in CASES:
        answer = node.call("POST", "/api/v1/commitments", "DEPT-M", json={**BODY, **changes})
        assert answer.status_code == status, (changes, answer.text)
        assert (answer.json()["field"], answer.json().get("rule")) == (field, rule), changes
        assert BODY["id_number"] not in answer.text
        assert counts(node) == before, changes


def test_r7_2_checks_must_be_the_departments_own_and_about_the_person(node: Platform) -> None:
    add_department(node)
    alice = node.subject(BODY["id_number"])
    before = counts(node)
    for check, status, rule in (
        (_check(node, "DEPT-N", alice), 404, None),  # someone else's: not confirmed
        (_check(node, "DEPT-M", node.subject(BOB)), 422, "other-person"),
    ):
        answer = node.call(
            "POST", "/api/v1/commitments", "DEPT-M", json={**BODY, "check_id": check}
        )
        assert (answer.status_code, answer.json()["field"], answer.json().get("rule")) == (
            status, "check_id", rule)  # fmt: skip
    assert counts(node) == before
    own = _check(node, "DEPT-M", alice)
    made = make(node, check_id=own)
    assert made["check_id"] == own


def test_r7_2_a_letter_number_is_recorded_once_and_oversized_bodies_are_refused(
    node: Platform,
) -> None:
    make(node)
    before = counts(node)
    again = node.call("POST", "/api/v1/commitments", "DEPT-M", json=BODY)
    assert (again.status_code, again.json()["rule"]) == (409, "unique")
    huge = node.call("POST", "/api/v1/commitments", "DEPT-M",
                     json={**BODY, "terms": "条" * 400_000})  # fmt: skip
    assert (huge.status_code, huge.json()["rule"]) == (413, "max-bytes")
    assert counts(node) == before


def test_r7_2_wrong_reports_on_a_commitment_are_refused(node: Platform) -> None:
    made = make(node)
    path = f"/api/v1/commitments/{made['id']}"
    before = counts(node)
    for suffix, body, status, field, rule in (
        ("/fulfil", {"fulfilled_on": "2026-12-01"}, 422, "fulfilled_on", "future-date"),
        ("/fulfil", {"fulfilled_on": "2026-11-19"}, 422, "fulfilled_on", "date-order"),
        ("/fulfil", {"fulfilled_on": "yesterday"}, 422, "fulfilled_on",
         "date_from_datetime_parsing"),
        ("/breach", {"summary": "未履行"}, 422, "summary", "length"),
        ("/breach", {"summary": "x" * 1001}, 422, "summary", "string_too_long"),
        ("/cancel", {}, 422, "reason", "missing"),
        ("/cancel", {"reason": "撤回", "state": "fulfilled"}, 422, "state", "extra_forbidden"),
    ):  # fmt: skip
        answer = node.call("POST", path + suffix, "DEPT-M", json=body)
        assert answer.status_code == status, answer.text
        assert (answer.json()["field"], answer.json()["rule"]) == (field, rule)
    bad_id = node.call("POST", "/api/v1/commitments/not-a-uuid/fulfil", "DEPT-M", json={})
    assert (bad_id.status_code, bad_id.json()["field"]) == (422, "commitment_id")
    assert counts(node) == before
