"""R-5.5: `chengxin jobs run push` queues serious dishonesty for the national platform and
`chengxin exchange push-queue` shows operators what is owed, without names or ID numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chengxin.exchange.push import mark_sent, pending
from chengxin.runtime import Runtime
from chengxin.settings import load_settings
from tests.collection.conftest import write_jsonl
from tests.exchange.conftest import evasion, loan_default
from tests.support import fresh_cli_node, run


def test_r5_5_the_push_job_and_the_queue_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """R-5.5: the job queues once; the queue shows counts, criteria and the oldest rows."""
    fresh_cli_node(tmp_path, monkeypatch, capsys)
    assert run(capsys, "exchange", "push-queue")[1] == "queued 0, sent 0, unsent 0\n"
    assert run(capsys, "sources", "add", "PBOC-CRC", "--name", "中国人民银行征信中心",
               "--region", "110000", "--kind", "financial_credit_database")[0] == 0  # fmt: skip
    assert run(capsys, "sources", "grant", "PBOC-CRC", "FINANCE-MALICIOUS-DEBT-EVASION",
               "STUDENT-LOAN-DEFAULT")[0] == 0  # fmt: skip
    rows = [evasion(1), evasion(2)]
    for item, batch in (("FINANCE-MALICIOUS-DEBT-EVASION", rows),
                        ("STUDENT-LOAN-DEFAULT", [loan_default(3, 100), loan_default(4, 30)])):  # fmt: skip
        path = write_jsonl(tmp_path / f"{item}.jsonl", batch)
        code, out, err = run(capsys, "ingest", str(path), "--source", "PBOC-CRC", "--item", item)
        assert code == 0, err

    code, out, _ = run(capsys, "jobs", "run", "push")
    assert code == 0
    assert out.startswith("push: queued 3 records for the national platform; read 4")
    assert run(capsys, "jobs", "run", "push")[1].startswith("push: queued 0 ")

    code, out, _ = run(capsys, "exchange", "push-queue")
    assert code == 0
    lines = out.splitlines()
    assert lines[:3] == ["queued 3, sent 0, unsent 3",
                         "       1  STUDENT-LOAN-DEFAULT.overdue_days>=90",
                         "       2  category:serious"]  # fmt: skip
    assert lines[3] == "oldest unsent (3 of 3):"
    assert len(lines) == 7
    for row in (*rows, loan_default(3, 100)):  # no ID number, no name
        assert row["id_number"] not in out
        assert row["name"] not in out

    rt = Runtime(load_settings())
    with rt.sessions() as session, session.begin():
        mark_sent(session, [p.id for p in pending(session, 2)], rt.clock())
    rt.close()
    code, out, _ = run(capsys, "exchange", "push-queue", "--json", "--limit", "5")
    assert code == 0
    shown = json.loads(out)
    assert (shown["queued"], shown["unsent"]) == (3, 1)
    [oldest] = shown["oldest"]
    assert set(oldest) == {"id", "record_id", "item_code", "criterion", "queued_version",
                           "current_version", "status", "queued_at", "attempts"}  # fmt: skip
    assert oldest["status"] == "active"
    assert "id_number" not in out
    assert run(capsys, "exchange", "push-queue", "--limit", "0")[0] == 2  # typer: out of range


def test_h_apply_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """R-4.4: `chengxin exchange apply` applies the inbox and says so; an unknown peer is refused
    naming it, with nothing applied."""
    fresh_cli_node(tmp_path, monkeypatch, capsys)
    assert run(capsys, "exchange", "apply")[1] == (
        "applied 0 packages (0 changes, 0 messages refused)\n"
    )
    code, _, err = run(capsys, "exchange", "apply", "--peer", "CN-999999")
    assert code != 0
    assert "CN-999999" in err
