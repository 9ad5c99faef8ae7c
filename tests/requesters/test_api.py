"""Requester routes for staff (R-3.5, R-3.1): registry, violations, the violation blacklist;
wrong roles are refused."""

from __future__ import annotations

from typing import Any

from tests.consents.conftest import CONSENT, Api
from tests.consents.conftest import problem as _problem


def test_r3_5_an_operator_keeps_the_registry_and_the_blacklist(api: Api) -> None:
    created = api.post("op.one", "/api/v1/requesters", {
        "code": "LANDLORD-1", "name": "某房屋中介", "kind": "landlord", "region_code": "110105",
        "uscc": "911101051234567896"})  # fmt: skip
    assert created.status_code == 201, created.text
    assert (created.json()["blacklisted"], created.json()["uscc"]) == (False, "911101051234567896")
    _problem(api.post("op.one", "/api/v1/requesters", {"code": "LANDLORD-1", "name": "n",
             "kind": "landlord", "region_code": "110105"}), 409, "code", "unique")  # fmt: skip
    _problem(api.post("op.one", "/api/v1/requesters", {"code": "X", "name": "n" * 201,
             "kind": "landlord", "region_code": "110105"}), 422, "name")  # fmt: skip
    _problem(api.post("op.one", "/api/v1/requesters", {"code": "X1", "name": "n",
             "kind": "casino", "region_code": "110105"}), 422, "kind")  # fmt: skip
    _problem(api.post("op.one", "/api/v1/requesters", {"code": "X1", "name": "n",
             "kind": "bank", "region_code": "110105", "admin": True}), 422, "admin")  # fmt: skip
    codes = [r["code"] for r in api.get("rev.one", "/api/v1/requesters").json()]
    assert codes == ["BANK-BJ", "GOV-TAX", "LANDLORD-1"]
    violation = api.post("op.one", "/api/v1/requesters/LANDLORD-1/violations", {
        "occurred_on": "2026-10-01", "description": "超范围查询", "document_number": "京信罚1号"})  # fmt: skip
    assert violation.status_code == 201, violation.text
    _problem(api.post("op.one", "/api/v1/requesters/LANDLORD-1/violations", {
        "occurred_on": "2026-12-01", "description": "d"}), 422, "occurred_on", "date-past")  # fmt: skip
    _problem(api.post("op.one", "/api/v1/requesters/NOPE/violations", {
        "occurred_on": "2026-10-01", "description": "d"}), 404, "requester")  # fmt: skip
    blacklisted = api.post("op.one", "/api/v1/requesters/LANDLORD-1/blacklist",
                           {"reason": "多次违规"})  # fmt: skip
    assert blacklisted.status_code == 200, blacklisted.text
    assert blacklisted.json()["blacklisted"] is True
    _problem(api.post("op.one", "/api/v1/requesters/LANDLORD-1/blacklist", {"reason": "again"}),
             422, "requester", "already-blacklisted")  # fmt: skip
    detail = api.get("op.one", "/api/v1/requesters/LANDLORD-1").json()
    assert detail["violations"][0]["description"] == "超范围查询"
    assert detail["violations"][0]["recorded_by"] == "account:op.one"
    assert [(e["event"], e["actor"]) for e in detail["blacklist_history"]] == [
        ("blacklisted", "account:op.one")
    ]
    _problem(api.get("op.one", "/api/v1/requesters/NOPE"), 404, "requester")
    _problem(api.post("zhang", "/api/v1/me/consents", {**CONSENT, "requester": "LANDLORD-1",
             "purpose": "tenancy"}), 422, "requester", "blacklisted")  # fmt: skip


WRONG_ROLES: list[tuple[str | None, str, str, int]] = [
    (None, "GET", "/api/v1/requesters", 401),
    (None, "GET", "/api/v1/requesters/BANK-BJ", 401),
    ("zhang", "GET", "/api/v1/requesters", 403),
    ("rev.one", "POST", "/api/v1/requesters", 403),
    ("rev.one", "POST", "/api/v1/requesters/BANK-BJ/blacklist", 403),
    ("zhang", "POST", "/api/v1/requesters/BANK-BJ/violations", 403),
    ("rev.one", "GET", "/api/v1/requesters/BANK-BJ", 200),
]


def test_r3_1_requester_routes_refuse_wrong_roles(api: Api) -> None:
    for user, method, path, status in WRONG_ROLES:
        body: dict[str, Any] = {"reason": "x"} if path.endswith("blacklist") else {}
        answer = api.get(user, path) if method == "GET" else api.post(user, path, body)
        assert answer.status_code == status, (user, path, answer.text)
        if status != 200:
            kind = "/unauthenticated" if status == 401 else "/forbidden"
            assert answer.json()["type"].endswith(kind)
    assert api.get("op.one", "/api/v1/requesters/BANK-BJ").json()["blacklisted"] is False
