"""Hostile requests as a whole (R-3.6, R-2.2): bodies over the limit (declared, sent, streamed
without a length), the wrong Content-Type, header tricks, and hostile uploads. Every refusal is
a problem naming the field and the rule, and writes nothing."""

from __future__ import annotations

import gzip
import io
import re
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chengxin.access.ratelimit import RateLimiter
from chengxin.app import BodyLimit
from tests.collection.conftest import PENALTY_HEADERS, penalty_row
from tests.hostile.served import unlimited
from tests.hostile.sweep import EXAMPLE_UUID, Attack, Document, Writes, judge
from tests.platform import Platform, platform

PDF = b"%PDF-1.4\n%evidence\n"


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    # The settings of the other modules here: the node is a copy of the same build. (A batch
    # file over CHENGXIN_MAX_UPLOAD_BYTES: tests/collection/test_api.py, with a small limit.)
    with platform(tmp_path_factory.mktemp("hostile-requests"), "sqlite",
                  CHENGXIN_RATE_LIMIT_PER_MINUTE="1000000") as p:  # fmt: skip
        yield unlimited(p)


@pytest.fixture(scope="module")
def document(node: Platform) -> Document:
    return Document(node)


@pytest.fixture
def writes(node: Platform) -> Writes:
    return Writes(node)


def _limits(node: Platform) -> tuple[dict[str, int], int]:
    """The body limits the app was built with: by path, and for every other path."""
    app: Any = node.client.app
    found = next(m for m in app.user_middleware if m.cls is BodyLimit)
    return found.kwargs["limits"], found.kwargs["other_bytes"]


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: "0" if m[1] == "index" else EXAMPLE_UUID, path)


def _csv(rows: list[list[str]]) -> bytes:
    return "\n".join(",".join(row) for row in [PENALTY_HEADERS, *rows]).encode()


def _upload(node: Platform, name: str, content: bytes, **kw: Any) -> Any:
    files = {"file": (name, content, "application/octet-stream")}
    return node.call("POST", "/api/v1/batches", "TAX-BJ", files=files,
                     data={"item": "PENALTY-TAX"}, **kw)  # fmt: skip


def test_r3_6_a_body_declared_over_the_limit_is_refused_before_it_is_read(
    node: Platform, document: Document, writes: Writes
) -> None:
    """Every operation that takes a body, with a Content-Length one byte over its limit (the
    uploads' larger limits included): 413 naming the body, at once, nothing written."""
    limits, other = _limits(node)
    wrong, tried = [], 0
    for operation in document.operations():
        if document.body(operation) is None:
            continue
        path = _concrete(operation.path)
        declared = limits.get(path, other) + 1
        answer = node.call(operation.method, path, document.caller(operation),
                           content=iter([b"{}"]), headers={"Content-Length": str(declared)})  # fmt: skip
        tried += 1
        attack = Attack(operation, "header", "Content-Length", declared)
        wrong += judge(answer, attack, writes)
        if answer.status_code != 413 or answer.json()["rule"] != "max-bytes":
            wrong.append(f"{attack}: {answer.status_code} {answer.text[:200]}")
    assert wrong == [], "\n".join(wrong)
    assert tried >= 40


@pytest.mark.parametrize("declared", ["abc", "-1", "1e9", ""])
def test_r3_6_a_content_length_that_is_not_a_number_is_refused(
    node: Platform, writes: Writes, declared: str
) -> None:
    answer = node.call("POST", "/api/v1/records", "TAX-BJ", content=iter([b"{}"]),
                       headers={"Content-Length": declared, "Content-Type": "application/json"})  # fmt: skip
    assert answer.status_code == 413, answer.text
    assert (answer.json()["field"], answer.json()["rule"]) == ("body", "max-bytes")
    assert writes.since_last() == ({}, [])


def _chunks(head: bytes, total: int) -> Iterator[bytes]:
    yield head
    for _ in range(total // 65536 + 2):
        yield b"a" * 65536


@pytest.mark.parametrize("path", ["/api/v1/records", "/api/v1/me/objections", "/api/v1/tipoffs"])
def test_r3_6_a_body_streamed_past_the_limit_without_a_length_is_cut_off(
    node: Platform, writes: Writes, path: str
) -> None:
    """Chunked (no Content-Length): refused with 413 as soon as the limit is passed."""
    limits, other = _limits(node)
    if path == "/api/v1/records":
        kind, head = "application/json", b'{"id_number": "'
    else:
        kind = "multipart/form-data; boundary=hostile"
        head = (b'--hostile\r\nContent-Disposition: form-data; name="files"; '
                b'filename="big.pdf"\r\n\r\n%PDF-')  # fmt: skip
    who = {"/api/v1/records": "TAX-BJ", "/api/v1/me/objections": "alice"}.get(path)
    answer = node.call("POST", path, who, content=_chunks(head, limits.get(path, other)),
                       headers={"Content-Type": kind})  # fmt: skip
    assert writes.since_last() == ({}, [])
    assert answer.status_code == 413, answer.text
    assert (answer.json()["field"], answer.json()["rule"]) == ("body", "max-bytes")


def test_r3_6_a_body_of_the_wrong_content_type_is_refused_by_name(
    node: Platform, document: Document, writes: Writes
) -> None:
    """JSON sent as text/plain or as a form, a form sent as JSON: a 4xx problem naming the field
    and the rule, nothing written."""
    wrong, tried = [], 0
    for operation in document.operations():
        body = document.body(operation)
        if body is None:
            continue
        media_type, _ = body
        who = document.caller(operation)
        path = _concrete(operation.path)
        for sent_as, kw in (("text/plain", {"content": b'{"a": 1}'}),
                            ("application/x-www-form-urlencoded", {"content": b"a=1"}),
                            ("application/json", {"content": b'{"a": 1}'})):  # fmt: skip
            if sent_as == media_type:
                continue
            answer = node.call(operation.method, path, who, headers={"Content-Type": sent_as}, **kw)
            tried += 1
            attack = Attack(operation, "header", "Content-Type", sent_as)
            wrong += judge(answer, attack, writes)
            if answer.status_code < 400:
                wrong.append(f"{attack}: accepted with {answer.status_code}")
    assert wrong == [], "\n".join(wrong)
    assert tried >= 80


def _spoofed(n: int) -> dict[str, str]:
    return {"X-Forwarded-For": f"203.0.113.{n}", "X-Real-IP": f"198.51.100.{n}",
            "Forwarded": f"for=192.0.2.{n}"}  # fmt: skip


def test_r3_6_a_spoofed_forwarded_for_does_not_change_who_the_rate_limit_counts(
    node: Platform,
) -> None:
    """The limiter counts the public by the connection's address (uvicorn puts a trusted proxy's
    X-Forwarded-For there, and trusts only 127.0.0.1 unless FORWARDED_ALLOW_IPS says more); a
    header the caller writes must not give it a fresh allowance."""
    app: Any = node.client.app
    kept = app.state.rate_limiter
    app.state.rate_limiter = RateLimiter(3)  # as the app builds it, with a limit of 3 a minute
    try:
        answers = [
            node.call("GET", "/api/v1/list-types", None, headers=_spoofed(n)).status_code
            for n in range(5)
        ]
        assert answers == [200, 200, 200, 429, 429]
        # A key is counted by its own name, whatever the headers say.
        keyed = [node.call("GET", "/api/v1/list-types", "BANK-A",
                           headers={"X-Forwarded-For": "203.0.113.9"}).status_code
                 for _ in range(4)]  # fmt: skip
        assert keyed == [200, 200, 200, 429]
    finally:
        app.state.rate_limiter = kept


def test_r3_6_huge_and_crafted_headers_are_answered_without_echo(node: Platform) -> None:
    huge = "A" * 64 * 1024
    assert node.call("GET", "/api/v1/me", None,
                     headers={"Authorization": f"Bearer {huge}"}).status_code == 401  # fmt: skip
    assert node.call("GET", "/api/v1/me", None,
                     headers={"Cookie": f"{node.cookie_name}={huge}"}).status_code == 401  # fmt: skip
    assert node.call("GET", "/api/v1/me", None, headers={"X-API-Key": huge}).status_code == 401
    for given in (huge, "../../etc/passwd", "a b", "id;rm -rf /"):
        answer = node.call("GET", "/api/v1/list-types", None, headers={"X-Request-ID": given})
        assert answer.status_code == 200
        assert answer.headers["X-Request-ID"] != given  # a fresh id, not the caller's text
        assert len(answer.headers["X-Request-ID"]) == 32
    # A method-override header is not a way round CSRF or the route table.
    contact = node.call("GET", "/api/v1/me/contact", "alice",
                        headers={"X-HTTP-Method-Override": "DELETE"})  # fmt: skip
    assert contact.status_code == 200


def test_r2_2_hostile_batch_files_are_refused_by_name_and_write_nothing(
    node: Platform, writes: Writes
) -> None:
    """An XLSX zip bomb, a gzip bomb (compressed uploads are not
    accepted: never inflated), a ZIP or an image under a .csv or .xlsx name, a legacy .xls."""
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (20 * 1024 * 1024))
    assert len(bomb.getvalue()) < 100_000
    gz = gzip.compress(_csv([penalty_row(7)]) + b"\n" * (20 * 1024 * 1024))
    assert len(gz) < 100_000
    cases = {
        ("bomb.xlsx", bomb.getvalue()): (422, "file", "xlsx-zip-bomb"),
        ("bomb.csv.gz", gz): (422, "file", None),
        ("bomb.csv", gz): (422, "file", None),
        ("book.csv", bomb.getvalue()): (422, "file", "format"),
        ("photo.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100): (422, "file", None),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100): (422, "file", "format"),
        ("tool.jsonl", b"MZ\x90\x00" + bytes(range(256))): (422, None, None),
    }
    for (name, content), (status, field, rule) in cases.items():
        answer = _upload(node, name, content)
        assert answer.status_code == status, (name, answer.text)
        problem = answer.json()
        assert problem["field"] == (field or problem["field"]), (name, problem)
        assert problem["rule"] == (rule or problem["rule"]), (name, problem)
        assert problem["field"], name
        assert problem["rule"], name
        assert writes.since_last() == ({}, []), name


def test_r2_2_an_upload_name_with_path_segments_is_only_a_label(
    node: Platform, writes: Writes
) -> None:
    """A batch file named ../../… is read from the upload's own temporary file; the name is
    kept as the receipt's label and no file appears where it points."""
    name = "../../../../tmp/chengxin-hostile-upload.csv"
    answer = _upload(node, name, _csv([penalty_row(7)]))
    assert answer.status_code == 201, answer.text
    assert answer.json()["file_name"] == name
    assert answer.json()["accepted"] == 1
    assert not Path(tempfile.gettempdir(), "chengxin-hostile-upload.csv").exists()
    assert not (node.tmp.parent / "chengxin-hostile-upload.csv").exists()
    grown, _ = writes.since_last()
    assert grown.get("batches") == 1


def test_r6_5_hostile_evidence_files_are_refused_by_name(node: Platform, writes: Writes) -> None:
    """Evidence (tip-offs, objections, repairs) is recognised by content: an executable named
    .pdf, an empty file, six files, a file over 5 MiB are refused; a name with path segments
    is kept without them."""
    form = {"category": "other", "region_code": "110105", "subject": "某公司",
            "text": "某公司拒不履行法院判决"}  # fmt: skip
    cases = {
        "exe": ([("files", ("report.pdf", b"MZ\x90\x00", "application/pdf"))], 422, "file-type"),
        "empty": ([("files", ("empty.pdf", b"", "application/pdf"))], 422, "empty"),
        "six": ([("files", (f"{n}.pdf", PDF, "application/pdf")) for n in range(6)], 422,
                "max-files"),
        "big": ([("files", ("big.pdf", PDF + b"0" * 5 * 1024 * 1024, "application/pdf"))], 413,
                "max-bytes"),
    }  # fmt: skip
    for label, (files, status, rule) in cases.items():
        answer = node.call("POST", "/api/v1/tipoffs", None, data=form, files=files)
        assert answer.status_code == status, (label, answer.text)
        assert answer.json()["rule"] == rule, label
        assert answer.json()["field"].startswith("files"), label
        assert writes.since_last() == ({}, []), label
    filed = node.call("POST", "/api/v1/tipoffs", None, data=form,
                      files=[("files", ("../../etc/passwd.pdf", PDF, "application/pdf"))])  # fmt: skip
    assert filed.status_code == 201, filed.text
    listed = node.call("GET", "/api/v1/staff/tipoffs", "the.operator").json()
    seen = node.call("GET", f"/api/v1/staff/tipoffs/{listed[0]['id']}", "the.operator").json()
    assert [f["name"] for f in seen["evidence"]] == ["....etcpasswd.pdf"]


def test_r3_1_every_refusal_is_documented_as_a_problem(document: Document) -> None:
    """What the schemathesis runs hold the app to: each API operation documents the refusals
    every guarded route can give, and every 4xx it documents is an RFC 9457 problem."""
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for operation in document.operations():
        if operation.path == "/healthz":
            continue
        responses = operation.spec["responses"]
        assert {"400", "401", "403", "413", "422", "429"} <= set(responses), operation.label
        for status, response in responses.items():
            if status.startswith("4"):
                assert response["content"] == problem, (operation.label, status)
        assert "Retry-After" in responses["429"]["headers"]
    assert "HTTPValidationError" not in document.raw["components"]["schemas"]
    assert document.raw["components"]["schemas"]["Problem"]["required"] == [
        "type", "title", "status", "detail", "instance"
    ]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "allow"), [
    ("OPTIONS", "/api/v1/checks", "GET, POST"),
    ("PATCH", "/api/v1/me/contact", "DELETE, GET, PUT"),
    ("DELETE", "/api/v1/ledger/entries/0", "GET"),
])  # fmt: skip
def test_r3_6_a_method_the_resource_does_not_take_is_answered_with_all_it_does(
    node: Platform, method: str, path: str, allow: str
) -> None:
    """405 with an Allow header naming every method of the path (RFC 9110 §15.5.6), though
    FastAPI keeps one route per method."""
    answer = node.call(method, path, "the.operator")
    assert answer.status_code == 405
    assert answer.headers["Allow"] == allow
    assert answer.json()["type"].endswith("/method-not-allowed")
