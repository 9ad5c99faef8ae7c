"""`chengxin requesters …` (R-3.5): registry, violations, blacklist, keys, staff; hostile input."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests.support import fresh_cli_node, run


@pytest.fixture
def node(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Path:
    return fresh_cli_node(tmp_path, monkeypatch, capsys)


def add_bank(capsys: pytest.CaptureFixture[str], code: str = "BANK-BJ") -> None:
    assert run(capsys, "requesters", "add", code, "--name", "北京某银行", "--kind", "bank",
               "--region", "110105", "--uscc", "911101051234567896")[0] == 0  # fmt: skip


@pytest.mark.usefixtures("node")
def test_r3_5_register_record_a_violation_and_blacklist(capsys: pytest.CaptureFixture[str]) -> None:
    add_bank(capsys)
    assert run(capsys, "requesters", "add", "GOV-TAX", "--name", "税务局", "--kind",
               "government_department", "--region", "110000")[0] == 0  # fmt: skip
    code, out, _ = run(capsys, "requesters", "violation", "BANK-BJ", "--date", "2024-03-01",
                       "--description", "未经授权查询", "--document", "京信罚〔2024〕1号")  # fmt: skip
    assert (code, out.strip()) == (0, "BANK-BJ: violation recorded")
    code, out, _ = run(capsys, "requesters", "blacklist", "BANK-BJ", "--reason", "多次违规查询",
                       "--actor", "cli:tester")  # fmt: skip
    assert code == 0
    assert "refused from now on" in out
    code, out, err = run(capsys, "requesters", "blacklist", "BANK-BJ", "--reason", "again")
    assert code == 2
    assert err.strip() == "error: requester: is already blacklisted"
    code, out, _ = run(capsys, "requesters", "list", "--json")
    rows = {r["code"]: r for r in json.loads(out)}
    assert (rows["BANK-BJ"]["blacklisted"], rows["GOV-TAX"]["blacklisted"]) == (True, False)
    assert rows["BANK-BJ"]["uscc"] == "911101051234567896"
    code, out, _ = run(capsys, "requesters", "list")
    assert "BLACKLISTED" in out.splitlines()[0]
    code, out, _ = run(capsys, "requesters", "show", "BANK-BJ", "--json")
    shown = json.loads(out)
    assert shown["violations"][0]["document_number"] == "京信罚〔2024〕1号"
    assert shown["violations"][0]["occurred_on"] == "2024-03-01"
    assert [(e["event"], e["actor"]) for e in shown["blacklist_history"]] == [
        ("blacklisted", "cli:tester")
    ]
    code, out, _ = run(capsys, "requesters", "show", "BANK-BJ")
    assert "未经授权查询" in out
    assert "多次违规查询" in out
    assert run(capsys, "requesters", "blacklist-lift", "BANK-BJ", "--reason", "复议撤销")[0] == 0
    code, out, _ = run(capsys, "requesters", "show", "BANK-BJ", "--json")
    assert [e["event"] for e in json.loads(out)["blacklist_history"]] == ["blacklisted", "lifted"]
    assert json.loads(out)["blacklisted"] is False


def test_r3_5_keys_and_staff_accounts(
    node: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    add_bank(capsys)
    assert run(capsys, "requesters", "add", "GOV-TAX", "--name", "税务局", "--kind",
               "government_department", "--region", "110000")[0] == 0  # fmt: skip
    code, out, err = run(capsys, "requesters", "key-create", "BANK-BJ", "--label", "loans")
    assert code == 0
    assert out.startswith("cxk_")
    assert "cannot be shown again" in err
    prefix = out.split("_")[1]
    code, out, _ = run(capsys, "requesters", "show", "BANK-BJ", "--json")
    assert json.loads(out)["keys"] == [prefix]
    assert run(capsys, "requesters", "key-revoke", prefix)[0] == 0
    code, _, err = run(capsys, "requesters", "key-revoke", prefix)
    assert (code, err.strip()) == (2, "error: prefix: is already revoked")
    code, _, err = run(capsys, "requesters", "key-revoke", "000000000000")
    assert (code, err.strip()) == (2, "error: prefix: no requester API key has this prefix")
    secret = node / "pw.txt"
    secret.write_text("a long pass phrase\n", encoding="utf-8")
    code, out, _ = run(capsys, "requesters", "staff-add", "BANK-BJ", "bank.clerk",
                       "--password-file", str(secret))  # fmt: skip
    assert (code, out.strip()) == (0, "account bank.clerk (requester) added to BANK-BJ")
    monkeypatch.setattr("sys.stdin", io.StringIO("another pass phrase\n"))
    code, out, _ = run(capsys, "requesters", "staff-add", "GOV-TAX", "tax.officer",
                       "--password-file", "-")  # fmt: skip
    assert (code, out.strip()) == (0, "account tax.officer (department) added to GOV-TAX")
    code, out, _ = run(capsys, "requesters", "show", "BANK-BJ", "--json")
    assert json.loads(out)["staff"] == ["bank.clerk"]
    code, _, err = run(capsys, "requesters", "staff-add", "BANK-BJ", "x.clerk",
                       "--password-file", str(node / "missing.txt"))  # fmt: skip
    assert (code, err.strip()) == (2, "error: password_file: cannot be read as a UTF-8 text file")
    short = node / "short.txt"
    short.write_text("short", encoding="utf-8")
    code, _, err = run(capsys, "requesters", "staff-add", "BANK-BJ", "x.clerk",
                       "--password-file", str(short))  # fmt: skip
    assert (code, err.split(":")[:2]) == (2, ["error", " password"])


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["add", "BANK", "--name", "n", "--kind", "casino", "--region", "110105"], "kind"),
        (["add", "bank-bj", "--name", "n", "--kind", "bank", "--region", "110105"], "code"),
        (["add", "BANK'; DROP TABLE requesters;--", "--name", "n", "--kind", "bank",
          "--region", "110105"], "code"),
        (["add", "BANK", "--name", "名" * 201, "--kind", "bank", "--region", "110105"], "name"),
        (["add", "BANK", "--name", "n", "--kind", "bank", "--region", "000000"], "region_code"),
        (["add", "BANK", "--name", "n", "--kind", "bank", "--region", "110105", "--uscc", "X"],
         "uscc"),
        (["add", "BANK-BJ", "--name", "n", "--kind", "bank", "--region", "110105"], "code"),
        (["violation", "BANK-BJ", "--date", "2024-13-01", "--description", "d"], "date"),
        (["violation", "BANK-BJ", "--date", "20240301", "--description", "d"], "date"),
        (["violation", "BANK-BJ", "--date", "2999-01-01", "--description", "d"], "occurred_on"),
        (["violation", "BANK-BJ", "--date", "2024-01-01", "--description", "d" * 1001],
         "description"),
        (["violation", "NOPE", "--date", "2024-01-01", "--description", "d"], "requester"),
        (["blacklist", "NOPE", "--reason", "r"], "requester"),
        (["blacklist", "BANK-BJ", "--reason", "r" * 501], "reason"),
        (["blacklist-lift", "BANK-BJ", "--reason", "r"], "requester"),
        (["key-create", "NOPE"], "requester"),
        (["key-create", "BANK-BJ", "--label", "l" * 101], "label"),
        (["show", "NOPE"], "requester"),
    ],
)  # fmt: skip
@pytest.mark.usefixtures("node")
def test_r3_5_bad_and_hostile_input_exits_2_naming_the_field(
    capsys: pytest.CaptureFixture[str], args: list[str], field: str
) -> None:
    add_bank(capsys)
    code, out, err = run(capsys, "requesters", *args)
    assert code == 2
    assert err.startswith(f"error: {field}: ")
    assert len(err.strip().splitlines()) == 1
    code, out, _ = run(capsys, "requesters", "list", "--json")
    (only,) = json.loads(out)  # nothing half-written
    assert (only["code"], only["blacklisted"]) == ("BANK-BJ", False)
