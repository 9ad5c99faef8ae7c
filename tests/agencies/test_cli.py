"""R-5.5: `chengxin agencies add|agree|end|list|export` and the `agencies` job on the command
line; bad input is refused naming the option and the rule, and nothing is written."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from chengxin.jobs.runner import PERIODIC
from chengxin.ledger.models import LedgerEntry
from chengxin.runtime import Runtime
from chengxin.settings import load_settings
from tests.collection.conftest import PENALTY_HEADERS, penalty_row, person, write_csv
from tests.support import fresh_cli_node, run

KEY = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="  # an Ed25519 public key (RFC 8032 test 1)
AGREE = ("agencies", "agree", "BAIHANG", "--item", "PENALTY-TAX", "--purpose", "credit_report",
         "--frequency", "daily", "--valid-from", "2026-11-01",
         "--legal-basis", "《征信业管理条例》第十三条；协议 XY-1")  # fmt: skip


def ledger_size() -> int:
    rt = Runtime(load_settings())
    try:
        with rt.sessions() as session:
            return session.scalar(select(func.count()).select_from(LedgerEntry)) or 0
    finally:
        rt.close()


def refused(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, _, err = run(capsys, *args)
    assert code == 2, err
    return err.strip()


def test_r5_5_bad_input_is_refused_naming_option_and_rule_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """R-5.5: each refusal names the option and the rule; no agency, agreement or ledger entry
    is written by a refused command."""
    fresh_cli_node(tmp_path, monkeypatch, capsys)
    code, out, err = run(capsys, "agencies", "add", "BAIHANG", "--name", "百行征信有限公司",
                         "--public-key", KEY)  # fmt: skip
    assert code == 0, err
    assert out.startswith("agency BAIHANG added\nkey fingerprint: ")
    size = ledger_size()
    bad_adds = {
        ("bad code",): "error: CODE: must be 2 to 32",
        ("PY", "--public-key", "not-base64"): "error: --public-key: is not valid base64",
        ("BAIHANG",): "error: CODE: an agency with code BAIHANG is already on file [unique]",
    }  # fmt: skip
    for args, start in bad_adds.items():
        err = refused(capsys, "agencies", "add", *args[:1], "--name", "某征信", *args[1:])
        assert err.startswith(start), err
    assert refused(capsys, "agencies", "add", "PY", "--name", " ").endswith("[length]")
    assert "[node-code]" in refused(capsys, "agencies", "add", "bad code", "--name", "x")

    def swap(option: str, value: str) -> list[str]:
        """AGREE with the value after `option` (or the agency code, for `agree`) replaced."""
        args = list(AGREE)
        args[args.index(option) + 1] = value
        return args

    bad_agreements = {
        ("--item", "PENALTY-TRAFFIC"): ("--item", "disclosure-public"),
        ("--item", "NO-SUCH"): ("--item", "catalog-item"),
        ("--purpose", "marketing"): ("--purpose", "purpose"),
        ("--frequency", "hourly"): ("--frequency", "frequency"),
        ("--valid-from", "2026/11/01"): ("--valid-from", "date"),
        ("--legal-basis", " "): ("--legal-basis", "length"),
        ("agree", "NOBODY"): ("AGENCY", "exists"),
    }  # fmt: skip
    for (option, value), (field, rule) in bad_agreements.items():
        err = refused(capsys, *swap(option, value))
        assert err.startswith(f"error: {field}: "), err
        assert err.endswith(f"[{rule}]"), err
    err = refused(capsys, *AGREE, "--valid-until", "2026-10-31")
    assert (err.split(":")[1].strip(), err[-14:]) == ("--valid-until", "[period-order]")
    assert refused(capsys, "agencies", "end", "x").endswith("[uuid]")
    assert refused(capsys, "agencies", "end", "6f1d3c52-4b1e-4a51-9a43-9d2f0c7e5a10"
                   ).endswith("[exists]")  # fmt: skip
    assert refused(capsys, "agencies", "export", "--agency", "NOBODY").startswith(
        "error: --agency: no agency has code NOBODY")  # fmt: skip

    assert ledger_size() == size
    listed = json.loads(run(capsys, "agencies", "list", "--json")[1])
    assert [a["code"] for a in listed["agencies"]] == ["BAIHANG"]
    assert listed["agreements"] == []


def test_r5_5_an_agreement_its_export_and_the_job_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """R-5.5: agree, export (one package under data/exports/BAIHANG), again (nothing), the job
    (nothing due), end the agreement."""
    fresh_cli_node(tmp_path, monkeypatch, capsys)
    for args in (("sources", "add", "TAX-BJ", "--name", "北京市税务局", "--region", "110105",
                  "--kind", "government_department"),
                 ("sources", "grant", "TAX-BJ", "PENALTY-TAX"),
                 ("agencies", "add", "BAIHANG", "--name", "百行征信有限公司")):  # fmt: skip
        assert run(capsys, *args)[0] == 0
    path = write_csv(tmp_path / "tax.csv", PENALTY_HEADERS, [penalty_row(1, number=person(1))])
    assert run(capsys, "ingest", str(path), "--source", "TAX-BJ", "--item", "PENALTY-TAX")[0] == 0
    code, out, err = run(capsys, *AGREE)
    assert code == 0, err
    agreement = out.split()[1]
    listed = run(capsys, "agencies", "list")[1]
    assert f"  {agreement}  daily   2026-11-01 – …  PENALTY-TAX" in listed

    code, out, err = run(capsys, "agencies", "export", "--json")
    assert code == 0, err
    [done] = json.loads(out)
    assert (done["agency"], done["sequence"], done["records"]) == ("BAIHANG", 1, 1)
    written = tmp_path / "data" / "exports" / "BAIHANG" / "1.jsonl.gz"
    assert Path(done["path"]) == written
    header = json.loads(gzip.decompress(written.read_bytes()).splitlines()[0])
    assert (header["receiver"], header["sequence"], header["message_count"]) == ("BAIHANG", 1, 1)

    assert run(capsys, "agencies", "export")[1] == "nothing due or nothing new\n"
    assert run(capsys, "jobs", "run", "agencies")[1].startswith("agencies: wrote 0 export")
    assert "agencies" in PERIODIC  # `chengxin serve` runs it too
    assert run(capsys, "agencies", "end", agreement)[1] == f"agreement {agreement} ended\n"
    assert "ENDED" in run(capsys, "agencies", "list")[1]
