"""Consent routes (R-3.4, R-5.3, R-3.1): citizens grant, list and withdraw their own consents,
staff list them with subject ids only; wrong roles are refused."""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tests.consents.conftest import CONSENT, Api, id_number
from tests.consents.conftest import problem as _problem


def test_r3_4_r5_3_a_citizen_grants_lists_and_withdraws_own_consents(api: Api) -> None:
    answer = api.post("zhang", "/api/v1/me/consents", {**CONSENT, "categories": ["bad"]})
    assert answer.status_code == 201, answer.text
    consent = answer.json()
    assert consent["requester"] == {"code": "BANK-BJ", "name": "BANK-BJ 名称"}
    assert consent["purpose"] == {"code": "loan_approval", "zh": "贷款审批", "en": "loan approval"}
    assert consent["scope"] == {"levels": ["authorised", "public"], "categories": ["bad"]}
    assert (consent["status"], consent["version"]) == ("active", 1)
    assert consent["valid_until"].startswith("2027-05-31T16:00:00")
    key = api.get(None, "/api/v1/ledger/public-key").json()["public_key"]
    Ed25519PublicKey.from_public_bytes(base64.b64decode(key)).verify(
        base64.b64decode(consent["signature"]), consent["signed_body"].encode()
    )
    assert json.loads(consent["signed_body"])["consent"] == consent["id"]
    mine = api.get("zhang", "/api/v1/me/consents").json()
    assert [c["id"] for c in mine] == [consent["id"]]
    assert api.get("lisi", "/api/v1/me/consents").json() == []
    path = f"/api/v1/me/consents/{consent['id']}/withdraw"
    _problem(api.post("lisi", path, {"reason": "not mine"}), 404, "consent_id")
    _problem(api.post("zhang", path, {"reason": "x"}, csrf=False), 403, "X-CSRF-Token", "csrf")
    withdrawn = api.post("zhang", path, {"reason": "贷款已结清"})
    assert withdrawn.status_code == 200, withdrawn.text
    assert (withdrawn.json()["status"], withdrawn.json()["version"]) == ("withdrawn", 2)
    assert withdrawn.json()["withdraw_reason"] == "贷款已结清"
    _problem(api.post("zhang", path, {"reason": "again"}), 422, "consent_id", "already-withdrawn")
    staff = api.get("op.one", "/api/v1/consents?requester=BANK-BJ")
    assert staff.status_code == 200
    (row,) = staff.json()
    assert (row["id"], row["status"], row["requester"]) == (consent["id"], "withdrawn", "BANK-BJ")
    assert "subject_id" in row
    assert "张" not in staff.text
    assert "withdraw_reason" not in row
    assert id_number(1) not in staff.text


BAD_CONSENTS: list[tuple[dict[str, Any], int, str, str | None]] = [
    ({"purpose": "administrative_duty"}, 422, "purpose", "purpose-not-consentable"),
    ({"purpose": "marketing"}, 422, "purpose", None),
    ({"levels": ["government"]}, 422, "levels", "scope-government"),
    ({"levels": []}, 422, "levels", "scope-levels"),
    ({"categories": ["gossip"]}, 422, "categories[0]", None),
    ({"requester": "GOV-TAX"}, 422, "requester", "requester-kind"),
    ({"requester": "NOPE"}, 404, "requester", None),
    ({"requester": "X" * 33}, 422, "requester", None),
    ({"valid_until": "2025-01-01"}, 422, "valid_until", "validity-past"),
    ({"valid_until": "2030-01-01"}, 422, "valid_until", "validity-max-one-year"),
    ({"valid_until": "soon"}, 422, "valid_until", None),
    ({"subject_id": "00000000-0000-0000-0000-000000000001"}, 422, "subject_id", None),
]


def test_r3_4_bad_consent_requests_are_refused(api: Api) -> None:
    for change, status, field, rule in BAD_CONSENTS:  # one app for all: each case writes nothing
        answer = api.post("zhang", "/api/v1/me/consents", {**CONSENT, **change})
        _problem(answer, status, field, rule)
    assert api.get("zhang", "/api/v1/me/consents").json() == []


WRONG_ROLES: list[tuple[str | None, str, str, int]] = [
    (None, "POST", "/api/v1/me/consents", 401),
    ("op.one", "POST", "/api/v1/me/consents", 403),
    ("op.one", "GET", "/api/v1/me/consents", 403),
    ("zhang", "GET", "/api/v1/consents", 403),
    (None, "GET", "/api/v1/consents", 401),
]


def test_r3_1_consent_routes_refuse_wrong_roles(api: Api) -> None:
    for user, method, path, status in WRONG_ROLES:
        answer = api.get(user, path) if method == "GET" else api.post(user, path, {})
        assert answer.status_code == status, (user, path, answer.text)
        kind = "/unauthenticated" if status == 401 else "/forbidden"
        assert answer.json()["type"].endswith(kind)
