"""The one door (R-3.2, R-3.4, R-3.5, R-3.7): consent, legal basis, blacklist, the register,
its ledger entries and the citizen's view of who looked, with proofs checked independently."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from chengxin.identity.numbers import check_character
from chengxin.requesters import service as requesters
from tests.platform import ALICE, BOB, Platform, platform
from tests.support import load_verifier

# Also on PostgreSQL with the per-person tables hash-partitioned (`chengxin db partition`).
pytestmark = pytest.mark.layouts

ROOT = Path(__file__).resolve().parents[2]


def query(node: Platform, who: str, id_number: str = ALICE, **body: Any) -> Any:
    return node.call("POST", "/api/v1/queries", who, json={"id_number": id_number, **body})


def register(node: Platform, **params: Any) -> list[dict[str, Any]]:
    answer = node.call("GET", "/api/v1/queries", "the.operator", params=params)
    assert answer.status_code == 200, answer.text
    rows: list[dict[str, Any]] = answer.json()
    return rows


def ledger_entry(node: Platform, index: int, who: str | None = "the.auditor") -> dict[str, Any]:
    answer = node.call("GET", f"/api/v1/ledger/entries/{index}", who)
    assert answer.status_code == 200, answer.text
    entry: dict[str, Any] = answer.json()["entry"]
    return entry


def test_r3_4_a_requester_without_consent_gets_403_and_the_refusal_is_registered_and_in_the_ledger(
    node: Platform,
) -> None:
    answer = query(node, "BANK-A", purpose="loan_approval")
    assert answer.status_code == 403
    assert answer.json()["rule"] == "consent-required"
    assert "records" not in answer.json()
    [row] = register(node, requester="BANK-A")
    assert row["outcome"] == "refused"
    assert row["refusal"] == "consent-required"
    assert row["subject_id"] == str(node.subject(ALICE))
    assert "no_consent" in row["flags"]
    entry = ledger_entry(node, row["ledger_index"])
    assert entry["kind"] == "query"
    assert entry["outcome"] == "refused"
    assert entry["subject"] == row["subject_id"]
    # Outsiders see that a query happened, not whose it was.
    assert ledger_entry(node, row["ledger_index"], None)["subject"] == "redacted"


def test_r3_4_a_consent_opens_only_its_scope_and_names_stay_masked(node: Platform) -> None:
    consent = node.grant(node.subject(ALICE), levels=["public"])
    answer = query(node, "BANK-A", purpose="loan_approval", consent_id=consent)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert [r["item"] for r in report["records"]] == ["PENALTY-TAX"]  # not the authorised one
    assert report["name"] == "张*"
    assert report["id_number"] != ALICE
    assert report["id_number"].startswith(ALICE[:3])
    wider = node.grant(node.subject(ALICE), levels=["public", "authorised"])
    items = query(node, "BANK-A", purpose="loan_approval", consent_id=wider).json()["records"]
    assert sorted(r["item"] for r in items) == ["PENALTY-TAX", "PENALTY-TRAFFIC"]
    # A consent is for one purpose and one person.
    assert query(node, "BANK-A", purpose="employment", consent_id=wider).json()["rule"] == (
        "consent-purpose"
    )
    assert (
        query(node, "BANK-A", BOB, purpose="loan_approval", consent_id=wider).json()["rule"]
        == "consent-unknown"
    )
    # … and for one requester: another bank cannot use it.
    assert query(node, "BANK-B", purpose="loan_approval", consent_id=wider).status_code == 403


def test_r3_4_a_withdrawn_consent_stops_access_at_once(node: Platform) -> None:
    consent = node.grant(node.subject(ALICE))
    assert query(node, "BANK-A", purpose="loan_approval", consent_id=consent).status_code == 200
    withdrawn = node.call("POST", f"/api/v1/me/consents/{consent}/withdraw", "alice",
                          json={"reason": "贷款已办完"})  # fmt: skip
    assert withdrawn.status_code == 200, withdrawn.text
    again = query(node, "BANK-A", purpose="loan_approval", consent_id=consent)
    assert again.status_code == 403
    assert again.json()["rule"] == "consent-withdrawn"
    outcomes = [r["outcome"] for r in register(node, requester="BANK-A")]
    assert outcomes == ["refused", "answered"]  # newest first


def test_r3_5_a_blacklisted_agency_is_refused_everything_and_each_try_is_registered(
    node: Platform,
) -> None:
    consent = node.grant(node.subject(ALICE))
    with node.rt.sessions() as session, session.begin():
        requesters.blacklist_requester(session, node.clock(), code="BANK-A",
                                       reason="违规查询个人信息", actor="test")  # fmt: skip
    by_key = query(node, "BANK-A", purpose="loan_approval", consent_id=consent)
    assert by_key.status_code == 403
    assert by_key.json()["rule"] == "blacklisted"
    by_staff = node.call("GET", "/api/v1/me", "bank.clerk")  # even harmless routes
    assert by_staff.status_code == 403
    rows = register(node, requester="BANK-A")
    assert [(r["outcome"], r["refusal"]) for r in rows] == [("refused", "blacklisted")] * 2
    assert {ledger_entry(node, r["ledger_index"])["refusal"] for r in rows} == {"blacklisted"}
    assert query(node, "BANK-B", purpose="loan_approval").json()["rule"] == "consent-required"


def test_r3_2_a_department_queries_on_a_legal_basis_and_sees_government_sharing(
    node: Platform,
) -> None:
    refused = query(node, "DEPT-M", purpose="administrative_duty")
    assert refused.status_code == 403
    assert refused.json()["rule"] == "legal-basis-required"
    answer = query(node, "dept.clerk", purpose="administrative_duty",
                   legal_basis="《中华人民共和国行政许可法》第三十一条")  # fmt: skip
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["name"] == "张一"  # departments may see full identities
    assert report["id_number"] == ALICE
    assert len(report["records"]) == 2
    [latest, _] = register(node)
    assert latest["legal_basis"] == "《中华人民共和国行政许可法》第三十一条"
    assert latest["actor"] == "account:dept.clerk"


def stranger(n: int) -> str:
    first17 = f"11010519700101{n:03d}"
    return first17 + check_character(first17)


def test_r3_2_an_unknown_person_is_registered_without_revealing_anything(node: Platform) -> None:
    wrong = stranger(1)[:17] + ("0" if stranger(1)[17] != "0" else "1")
    bad = query(node, "DEPT-M", wrong, purpose="administrative_duty", legal_basis="某法第一条")
    assert bad.status_code == 422  # not a valid number: nothing to register
    assert bad.json()["field"] == "id_number"
    assert register(node) == []
    answer = query(node, "DEPT-M", stranger(1), purpose="administrative_duty",
                   legal_basis="某法第一条")  # fmt: skip
    assert answer.status_code == 200
    assert answer.json()["found"] is False
    assert answer.json()["records"] == []
    assert register(node)[0]["subject_id"] is None


def test_r3_7_a_citizen_sees_every_query_about_them_with_proofs_that_verify(
    node: Platform,
) -> None:
    consent = node.grant(node.subject(ALICE))
    query(node, "BANK-A", purpose="loan_approval", consent_id=consent)
    query(node, "BANK-B", purpose="loan_approval")
    query(node, "DEPT-M", BOB, purpose="administrative_duty", legal_basis="某法第一条")
    mine = node.call("GET", "/api/v1/me/records", "alice").json()
    assert sorted(r["item"] for r in mine["records"]) == ["PENALTY-TAX", "PENALTY-TRAFFIC"]
    assert mine["name"] == "张一"
    before = node.call("GET", "/api/v1/me/queries", "alice").json()
    assert [q["proof"] for q in before] == [None, None, None]  # not yet in a checkpoint
    node.checkpoint()
    seen = node.call("GET", "/api/v1/me/queries", "alice").json()
    assert [(q["who"], q["outcome"]) for q in seen] == [
        ("citizen", "answered"), ("BANK-B 名称", "refused"), ("BANK-A 名称", "answered"),
    ]  # fmt: skip
    checkpoint = node.call("GET", "/api/v1/ledger/checkpoint").json()
    key = node.call("GET", "/api/v1/ledger/public-key").json()
    check = load_verifier()
    size, root = check.check_checkpoint(checkpoint, key)
    for q in seen:
        proof = q["proof"]
        entry = ledger_entry(node, q["ledger_index"], "alice")  # her own: not redacted
        canonical = json.dumps(entry, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        assert hashlib.sha256(b"\x00" + canonical.encode()).hexdigest() == proof["leaf_hash"]
        assert proof["tree_size"] == size
        assert check.verify_inclusion(
            proof["leaf_index"], size, bytes.fromhex(proof["leaf_hash"]),
            [bytes.fromhex(h) for h in proof["audit_path"]], root,
        )  # fmt: skip
        assert entry["subject"] == str(node.subject(ALICE))
        assert entry["query"] == q["id"]
    # A proof for someone else's size or leaf fails.
    first = seen[0]["proof"]
    assert not check.verify_inclusion(
        first["leaf_index"] + 1, size, bytes.fromhex(first["leaf_hash"]),
        [bytes.fromhex(h) for h in first["audit_path"]], root,
    )  # fmt: skip


def test_r3_2_a_scripted_burst_raises_the_anomaly_flags(tmp_path: Path) -> None:
    env = {"CHENGXIN_FLAG_SUBJECTS_PER_HOUR": "2", "CHENGXIN_FLAG_REFUSALS_PER_HOUR": "3",
           "CHENGXIN_SESSION_HOURS": "24"}  # fmt: skip
    with platform(tmp_path, "sqlite", **env) as node:
        consent = node.grant(node.subject(ALICE))
        assert query(node, "BANK-A", purpose="loan_approval", consent_id=consent).status_code == 200
        assert register(node, flagged="true") == []  # 10:00 Beijing time on a Thursday: clean
        for n in range(1, 5):  # four strangers, no consents: refused
            assert query(node, "BANK-A", stranger(n), purpose="loan_approval").status_code == 403
        flagged = register(node, flagged="true")
        assert {"no_consent", "repeated_refusals", "bulk"} <= set(flagged[0]["flags"])
        assert "repeated_refusals" not in flagged[-1]["flags"]  # the first refusal alone is not
        node.clock.now = dt.datetime(2026, 11, 26, 15, 30, tzinfo=dt.UTC)  # 23:30 Beijing
        late = query(node, "BANK-A", purpose="loan_approval", consent_id=consent)
        assert late.status_code == 200
        latest = register(node)[0]
        assert latest["flags"] == ["off_hours"]  # the burst was more than an hour ago
        assert latest["outcome"] == "answered"
        assert all(r["flags"] for r in register(node, flagged="true"))


def test_r3_6_logs_carry_no_id_number_or_name(
    sqlite_node: Platform, caplog: pytest.LogCaptureFixture
) -> None:
    node = sqlite_node
    caplog.set_level(logging.DEBUG)
    consent = node.grant(node.subject(ALICE))
    query(node, "BANK-A", purpose="loan_approval", consent_id=consent)
    query(node, "BANK-B", purpose="loan_approval")
    query(node, "DEPT-M", BOB, purpose="administrative_duty")
    node.call("POST", "/api/v1/auth/signup", json={"id_number": BOB, "name": "李四",
                                                    "username": "bob", "password": "x"})  # fmt: skip
    node.call("GET", "/api/v1/me/records", "alice")
    text = "\n".join(r.getMessage() + json.dumps(r.__dict__, default=str) for r in caplog.records)
    assert caplog.records  # requests were logged
    for secret in (ALICE, BOB, "张一", "张二", "李四"):
        assert secret not in text
