"""R-4.1 notices, `chengxin notifications …`: one delivery run now, and the outbox figures (no addresses)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chengxin.cli_support import runtime
from chengxin.identity.service import register_person
from chengxin.notifications import service
from tests.notifications.conftest import SmtpServer, id_number
from tests.support import fresh_cli_node, run

ADDRESS = "zhang.san@example.com"


@pytest.fixture
def node(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Path:
    for var in ("CHENGXIN_SMTP_HOST", "CHENGXIN_SMTP_PORT"):
        monkeypatch.delenv(var, raising=False)
    fresh_cli_node(tmp_path, monkeypatch, capsys)
    rt = runtime()
    with rt.sessions() as session, session.begin():
        now = rt.clock()
        subject = register_person(session, rt.keys, now, id_number(1), "张三", actor="t")
        service.set_contact(session, rt.keys, now, subject_id=subject.subject_id, email=ADDRESS)
        for n in range(2):
            service.notify(session, rt.keys, now, subject_id=subject.subject_id,
                           topic="repair.approved", title_zh="信用修复已通过",
                           title_en="Credit repair approved", body_zh=f"第{n}号",
                           body_en=f"Number {n}")  # fmt: skip
    rt.close()
    return tmp_path


@pytest.mark.usefixtures("node")
def test_outbox_and_deliver(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, smtp_server: SmtpServer
) -> None:
    code, out, _ = run(capsys, "notifications", "outbox", "--json")
    assert code == 0
    figures = json.loads(out)
    assert (figures["pending"], figures["sent"], figures["failed"]) == (2, 0, 0)
    assert figures["oldest_waiting_seconds"] >= 0
    code, out, err = run(capsys, "notifications", "deliver")
    assert (code, out.strip()) == (0, "sent 0, failed 0, retried 0")
    assert "CHENGXIN_SMTP_HOST" in err
    monkeypatch.setenv("CHENGXIN_SMTP_HOST", smtp_server.host)
    monkeypatch.setenv("CHENGXIN_SMTP_PORT", str(smtp_server.port))
    code, out, err = run(capsys, "notifications", "deliver", "--json")
    assert code == 0
    assert json.loads(out) == {"sent": 2, "failed": 0, "retried": 0}
    assert len(smtp_server.received) == 2
    code, out, _ = run(capsys, "notifications", "outbox")
    assert code == 0
    assert "sent     2" in out
    assert "oldest waiting" not in out
    for text in (out, err):
        assert ADDRESS not in text
        assert "example.com" not in text


def test_a_bad_smtp_setting_is_refused_naming_the_variable(
    node: Path,  # noqa: ARG001
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CHENGXIN_SMTP_PORT", "0")
    code, _, err = run(capsys, "notifications", "deliver")
    assert code == 2
    assert "CHENGXIN_SMTP_PORT" in err
    monkeypatch.setenv("CHENGXIN_SMTP_PORT", "25")
    monkeypatch.setenv("CHENGXIN_SMTP_PASSWORD", "visible?")
    monkeypatch.setenv("CHENGXIN_SMTP_PASSWORD_FILE", "/nonexistent")
    code, _, err = run(capsys, "notifications", "outbox")
    assert code == 2
    assert "CHENGXIN_SMTP_PASSWORD_FILE" in err
    assert "visible?" not in err
