"""R-5.4, a citizen's score over the real app: opt in, read it explained, ask what a repair would change,
opt out and find it gone; other roles are refused; the periodic job; the CLI."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from chengxin.records.models import Record
from chengxin.runtime import Runtime
from chengxin.scoring.models import Score, ScoreOptIn
from chengxin.scoring.service import opt_in, run_score_job
from chengxin.settings import load_settings
from tests.conftest import NOW
from tests.platform import Platform, platform
from tests.scoring.conftest import add_person, add_record, add_source
from tests.support import fresh_cli_node, run

# Also on PostgreSQL with the per-person tables hash-partitioned (`chengxin db partition`).
pytestmark = pytest.mark.layouts

PATH = "/api/v1/me/score"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def node(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    with platform(tmp_path_factory.mktemp("score"), request.param) as p:
        yield p


def alice_records(node: Platform) -> list[Record]:
    with node.rt.sessions() as session:
        return list(session.scalars(select(Record).where(Record.item_code.like("PENALTY-%"))
                                    .where(Record.source_record_id.in_(["R1", "R3"]))))  # fmt: skip


def test_opt_in_explain_what_if_opt_out(node: Platform) -> None:
    not_yet = node.call("GET", PATH, "alice")
    assert not_yet.status_code == 404
    assert not_yet.json()["opted_in"] is False
    assert not_yet.json()["rule"] == "score-opt-in"

    opted = node.call("POST", f"{PATH}/opt-in", "alice")
    assert opted.status_code == 200, opted.text
    body = node.call("GET", PATH, "alice").json()
    assert body["opted_in"] is True
    assert body["model"] == {"code": "CX-PERSONAL", "version": 1}
    # Two general penalties of 2026-05-10, six whole months old: -20 × 30/36 → -16 each.
    assert (body["total"], body["grade"]["code"], body["base"]) == (568, "B", 600)
    assert body["base"] + sum(line["final"] for line in body["lines"]) == body["total"]
    records = {str(r.id): r.item_code for r in alice_records(node)}
    assert {line["record_id"]: line["item_code"] for line in body["lines"]} == records
    assert {line["final"] for line in body["lines"]} == {-16}
    assert "never alone decides" in body["notice"]["en"]
    assert body["computed_at"].startswith("2026-11-26")

    tax = next(rid for rid, item in records.items() if item == "PENALTY-TAX")
    what = node.call("GET", f"{PATH}/what-if", "alice", params={"repair": tax}).json()
    assert (what["before"]["total"], what["after"]["total"], what["change"]) == (568, 584, 16)
    assert what["after"]["grade"] == "A"
    unknown = node.call("GET", f"{PATH}/what-if", "alice", params={"repair": str(uuid.uuid4())})
    assert unknown.status_code == 404

    gone = node.call("POST", f"{PATH}/opt-out", "alice")
    assert gone.json() == {"opted_in": False, "deleted": True}
    with node.rt.sessions() as session:
        assert session.scalars(select(Score)).all() == []
        assert session.scalars(select(ScoreOptIn)).all() == []
    after = node.call("GET", PATH, "alice")
    assert (after.status_code, after.json()["opted_in"]) == (404, False)
    assert node.call("GET", f"{PATH}/what-if", "alice", params={"repair": tax}).status_code == 404
    assert node.call("POST", f"{PATH}/opt-out", "alice").json()["deleted"] is False


@pytest.mark.parametrize(("who", "status"), [("BANK-A", 403), ("bank.clerk", 403),
                                              ("DEPT-M", 403), ("the.operator", 403), (None, 401)])  # fmt: skip
def test_only_the_person_themself(node: Platform, who: str | None, status: int) -> None:
    for method, path in (("GET", PATH), ("POST", f"{PATH}/opt-in"), ("POST", f"{PATH}/opt-out")):
        answer = node.call(method, path, who)
        assert answer.status_code == status, (who, path, answer.text)
        assert answer.json()["rule"] == "own:score:write"


def test_the_periodic_job(node: Platform) -> None:
    assert node.call("POST", f"{PATH}/opt-in", "alice").status_code == 200
    assert run_score_job(node.rt).startswith("full score recompute (CX-PERSONAL v1")
    assert run_score_job(node.rt).startswith("incremental score recompute")
    node.clock.now += dt.timedelta(days=1)
    try:
        assert run_score_job(node.rt).startswith("full")
    finally:
        node.clock.now -= dt.timedelta(days=1)
        node.call("POST", f"{PATH}/opt-out", "alice")


def test_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
             capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    fresh_cli_node(tmp_path, monkeypatch, capsys)
    code, out, _ = run(capsys, "score", "model")
    assert code == 0
    assert "CX-PERSONAL v1" in out
    assert "volunteer-hours" in out
    code, out, _ = run(capsys, "score", "model", "--json")
    assert '"code": "CX-PERSONAL"' in out
    code, out, _ = run(capsys, "score", "recompute", "--all")
    assert (code, "0 people" in out) == (0, True)
    code, out, _ = run(capsys, "score", "recompute")
    assert (code, "incremental" in out) == (0, True)
    code, _, err = run(capsys, "score", "explain", "--subject", str(uuid.uuid4()))
    assert code == 2
    assert "has not opted in" in err
    rt = Runtime(load_settings())
    with rt.sessions() as session, session.begin():
        person, source = add_person(session), add_source(session)
        add_record(session, person, source, "PENALTY-TAX", dt.date(2026, 10, 1), severity="minor")
        opt_in(session, NOW, subject_id=person)
    rt.close()
    code, out, _ = run(capsys, "score", "explain", "--subject", str(person))
    assert code == 0
    assert f"{person}: 596 A (CX-PERSONAL v1" in out  # -5 × 36/36 minus one month: -4
    assert "PENALTY-TAX" in out
    assert "张" not in out
    code, out, _ = run(capsys, "score", "explain", "--subject", str(person), "--json")
    assert '"total": 596' in out
