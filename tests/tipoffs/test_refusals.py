"""Hostile, wrong and oversized tip-offs are refused naming the field and the rule, and nothing
is written; filing has its own limit per client address; the staff routes are refused to
everyone else; what the public wrote is not readable in the database (R-6.5, R-1.4, R-3.1)."""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest
from sqlalchemy import text

from chengxin.access.permissions import Permission
from chengxin.disputes.api import UPLOAD_LIMIT
from chengxin.disputes.attachments import MAX_BYTES
from tests.platform import Platform
from tests.tipoffs.conftest import FORM, PDF, PNG, counts, file_tipoff, filed, only_id, roomy

ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 64
HTML = b"<html><script>alert(1)</script></html>"
Case = tuple[dict[str, Any], list[tuple[str, bytes, str]], int, str, str]
TWO_FILES = [("a.pdf", PDF, "application/pdf"), ("empty.pdf", b"", "application/pdf")]
BIG = b"%PDF-" + b"0" * MAX_BYTES
CASES: list[Case] = [
    ({"category": "fraud"}, [], 422, "category", "enum"),
    ({"category": None}, [], 422, "category", "missing"),
    ({"region_code": "999999"}, [], 422, "region_code", "region"),
    ({"region_code": "11010X"}, [], 422, "region_code", "region"),
    ({"region_code": "1101050"}, [], 422, "region_code", "string_too_long"),
    ({"region_code": None}, [], 422, "region_code", "missing"),
    ({"subject": "王" * 501}, [], 422, "subject", "string_too_long"),
    ({"subject": " "}, [], 422, "subject", "length"),
    ({"text": "太短了"}, [], 422, "text", "length"),
    ({"text": "事" * 5001}, [], 422, "text", "string_too_long"),
    ({"text": FORM["text"] + "\x1b[2J"}, [], 422, "text", "control"),
    ({"subject": "王某\r\nX-Injected: 1"}, [], 422, "subject", "control"),
    ({"contact": "1" * 201}, [], 422, "contact", "string_too_long"),
    ({"contact": "138\x00"}, [], 422, "contact", "control"),
    ({}, [(f"{i}.png", PNG, "image/png") for i in range(6)], 422, "files", "max-files"),
    ({}, [("evidence.pdf", ELF, "application/pdf")], 422, "files[0]", "file-type"),
    ({}, [("photo.png", HTML, "image/png")], 422, "files[0]", "file-type"),
    ({}, TWO_FILES, 422, "files[1]", "empty"),
    ({}, [("big.pdf", BIG, "application/pdf")], 413, "files", "max-bytes"),
]


def test_r6_5_bad_tip_offs_are_refused_naming_the_rule_and_nothing_is_written(
    node: Platform,
) -> None:
    roomy(node)
    before = counts(node)
    for changes, files, status, field, rule in CASES:
        answer = file_tipoff(node, *files, **changes)
        assert answer.status_code == status, (changes, answer.text)
        assert (answer.json()["field"], answer.json()["rule"]) == (field, rule), changes
        assert FORM["subject"] not in answer.text
        assert counts(node) == before, changes


def test_r6_5_an_oversized_body_is_refused_before_it_is_read(node: Platform) -> None:
    roomy(node)
    before = counts(node)
    body = b"x" * (UPLOAD_LIMIT + 1)
    answer = file_tipoff(node, ("huge.pdf", body, "application/pdf"))
    assert answer.status_code == 413
    assert (answer.json()["field"], answer.json()["rule"]) == ("body", "max-bytes")
    assert counts(node) == before


def test_r6_5_filing_is_limited_to_five_an_hour_per_address(node: Platform) -> None:
    assert node.client.app.state.rate_limiter.window_seconds == 60  # type: ignore[attr-defined]
    tracking = filed(node)["tracking"]
    assert file_tipoff(node, region_code="999999").status_code == 422  # refused ones count too
    for _ in range(3):
        filed(node)
    before = counts(node)
    for who in (None, "alice"):  # signing in does not give another budget
        answer = file_tipoff(node, who=who)
        assert answer.status_code == 429, answer.text
        assert (answer.json()["field"], answer.json()["rule"]) == ("rate", "tipoff-rate-limit")
        assert 3500 <= int(answer.headers["retry-after"]) <= 3600
    assert counts(node) == before
    # Following a tip-off and the staff's work are not held back by it.
    assert node.call("GET", f"/api/v1/tipoffs/{tracking}").status_code == 200
    assert len(node.call("GET", "/api/v1/staff/tipoffs", "the.reviewer").json()) == 4


VERBS = ("accept", "reject", "refer", "close")
STAFF_ROUTES = [
    ("GET", "/api/v1/staff/tipoffs", Permission.TIPOFFS_READ),
    ("GET", "/api/v1/staff/tipoffs/{id}", Permission.TIPOFFS_READ),
    ("GET", "/api/v1/staff/tipoffs/{id}/files/{id}", Permission.TIPOFFS_READ),
    *[
        ("POST", f"/api/v1/staff/tipoffs/{{id}}/{verb}", Permission.TIPOFFS_MANAGE)
        for verb in VERBS
    ],
]


OTHERS = [None, "alice", "BANK-A", "DEPT-M", "TAX-BJ", "NODE", "bank.clerk", "the.auditor"]


@pytest.mark.parametrize("who", OTHERS)
def test_r3_1_the_staff_routes_are_refused_to_everyone_else(
    sqlite_node: Platform, who: str | None
) -> None:
    node = sqlite_node
    filed(node)
    tipoff_id = only_id(node)
    for method, path, permission in STAFF_ROUTES:
        if who == "the.auditor" and permission is Permission.TIPOFFS_READ:
            continue  # the auditor reads, but does not triage
        answer = node.call(method, path.replace("{id}", tipoff_id), who,
                           json={"reason": "受理", "source_code": "TAX-BJ"})  # fmt: skip
        assert answer.status_code == (401 if who is None else 403), (path, answer.text)
        assert answer.json()["rule"] == permission, path
        assert FORM["subject"] not in answer.text
    assert node.call("GET", f"/api/v1/staff/tipoffs/{tipoff_id}", "the.reviewer").json()[
        "state"] == "received"  # fmt: skip


def test_r1_4_what_the_public_wrote_is_sealed_in_the_database(node: Platform) -> None:
    contact = "tipster@example.com"
    made = filed(node, ("举报材料.pdf", PDF, "application/pdf"), contact=contact)
    tipoff_id = only_id(node)
    reason = "线索具体，移交税务部门核查王某某"
    accepted = node.call("POST", f"/api/v1/staff/tipoffs/{tipoff_id}/accept", "the.reviewer",
                         json={"reason": reason})  # fmt: skip
    assert accepted.json()["steps"][1]["reason"] == reason
    secrets = [FORM["subject"], FORM["text"][:20], contact, reason, made["tracking"]]
    needles = [s.encode() for s in secrets] + [PDF[:16], base64.b64encode(PDF)[:16]]
    with node.rt.engine.connect() as connection:
        dumped = io.BytesIO()
        for table in ("tipoffs", "tipoff_steps", "tipoff_files", "notifications",
                      "ledger_entries"):  # fmt: skip
            for row in connection.execute(text(f"SELECT * FROM {table}")):  # noqa: S608
                for value in row:
                    binary = isinstance(value, bytes | memoryview)
                    dumped.write(bytes(value) if binary else str(value).encode())
                    dumped.write(b"\x00")
    raw = dumped.getvalue()
    for needle in needles:  # the tracking number too: only its HMAC is kept
        assert needle not in raw, needle
