"""R-4.1/R-4.3 deadlines, `chengxin workdays add|between`: plain and JSON output, provisional answers, refusals."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support import run
from tests.workdays.conftest import YEAR_2027

BIN = shutil.which("chengxin") or str(Path(__file__).parents[2] / ".venv" / "bin" / "chengxin")


@pytest.fixture(autouse=True)
def node(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for var in ("CHENGXIN_DATABASE_URL", "CHENGXIN_KEY_FILE", "CHENGXIN_HOLIDAYS_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CHENGXIN_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.fixture
def with_2027(holidays_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (holidays_dir / "2027.yaml").write_text(YEAR_2027, encoding="utf-8")
    monkeypatch.setenv("CHENGXIN_HOLIDAYS_DIR", str(holidays_dir))
    return holidays_dir


def test_add_prints_the_date(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "workdays", "add", "2026-02-13", "2") == (0, "2026-02-24\n", "")
    assert run(capsys, "workdays", "add", "2026-02-13", "1") == (0, "2026-02-14\n", "")
    assert run(capsys, "workdays", "add", "2026-02-17", "0") == (0, "2026-02-17\n", "")


def test_add_json_has_exactly_date_and_provisional(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "workdays", "add", "2026-09-30", "3", "--json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {"date": "2026-10-10", "provisional": False}


def test_between_prints_the_count(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "workdays", "between", "2026-02-13", "2026-02-28") == (0, "6\n", "")
    assert run(capsys, "workdays", "between", "2026-05-01", "2026-05-01") == (0, "0\n", "")
    code, out, _ = run(capsys, "workdays", "between", "2026-09-18", "2026-10-12", "--json")
    assert code == 0
    assert json.loads(out) == {"count": 12, "provisional": False}


def test_into_2027_is_provisional_with_a_warning_in_plain_mode(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "workdays", "add", "2026-12-30", "2")
    assert (code, out) == (0, "2027-01-01\n")
    assert err.count("\n") == 1
    assert err.startswith("warning: provisional: ")
    assert "known until 2026" in err
    assert "CHENGXIN_HOLIDAYS_DIR" in err
    code, out, err = run(capsys, "workdays", "between", "2026-12-28", "2027-01-08", "--json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {"count": 9, "provisional": True}
    code, out, _ = run(capsys, "workdays", "add", "2026-12-30", "2", "--json")
    assert json.loads(out) == {"date": "2027-01-01", "provisional": True}


@pytest.mark.usefixtures("with_2027")
def test_an_operator_2027_file_makes_the_answer_final(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "workdays", "add", "2026-12-30", "2") == (0, "2027-01-04\n", "")
    code, out, _ = run(capsys, "workdays", "between", "2026-12-28", "2027-01-08", "--json")
    assert code == 0
    assert json.loads(out) == {"count": 8, "provisional": False}


def test_a_broken_operator_file_stops_the_command_naming_file_and_line(
    capsys: pytest.CaptureFixture[str], with_2027: Path
) -> None:
    path = with_2027 / "2027.yaml"
    path.write_text(YEAR_2027.replace("2027-02-20", "2027-02-17"), encoding="utf-8")
    code, out, err = run(capsys, "workdays", "add", "2026-12-30", "2")
    assert (code, out) == (2, "")
    lines = err.splitlines()
    assert lines[0].startswith(f"{path}:8: working_days: item 1: 2027-02-17 is a Wednesday")
    assert lines[-1] == "error: the holiday calendar cannot be loaded (1 problem(s))"


def test_a_missing_holiday_folder_is_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CHENGXIN_HOLIDAYS_DIR", str(tmp_path / "nowhere"))
    code, _, err = run(capsys, "workdays", "between", "2026-01-01", "2026-02-01")
    assert code == 2
    assert err.startswith("error: CHENGXIN_HOLIDAYS_DIR: holiday folder ")


HOSTILE = [
    (["add", "2026-02-30", "1"], "date", "'2026-02-30' is not a calendar date"),
    (["add", "20260213", "1"], "date", "not a date written YYYY-MM-DD"),
    (["add", "２０２６-02-13", "1"], "date", "not a date written YYYY-MM-DD"),
    (["add", "", "1"], "date", "'' is not a date"),
    (["add", "2026-02-13\n", "1"], "date", "not a date written YYYY-MM-DD"),
    (["add", "x" * 5000, "1"], "date", "…"),
    (["add", "2026-02-13", "-1"], "n", "must be from 0 to 3650 (got -1)"),
    (["add", "2026-02-13", "3651"], "n", "must be from 0 to 3650 (got 3651)"),
    (["add", "2026-02-13", "9" * 5000], "n", "is not a whole number"),
    (["add", "2026-02-13", "abc"], "n", "'abc' is not a whole number"),
    (["add", "2026-02-13", "1e3"], "n", "is not a whole number"),
    (["add", "2026-02-13", "2.5"], "n", "is not a whole number"),
    (["add", "2026-02-13", "３"], "n", "is not a whole number"),
    (["add", "9999-12-30", "3"], "n", "the answer would fall after 9999-12-31"),
    (["between", "2026-02-31", "2026-03-01"], "start", "not a calendar date"),
    (["between", "2026-02-01", "tomorrow"], "end", "not a date written YYYY-MM-DD"),
    (["between", "2026-03-01", "2026-02-28"], "end", "2026-02-28 is before the start date 2026-03-01"),
    (["between", "2026-03-01", "2026-02-28", "--json"], "end", "is before the start date"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "field", "message"), HOSTILE)
def test_hostile_arguments_exit_2_naming_the_field(
    capsys: pytest.CaptureFixture[str], args: list[str], field: str, message: str
) -> None:
    code, out, err = run(capsys, "workdays", *args)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert err.startswith(f"error: {field}: ")
    assert message in err
    assert len(err) < 200


def test_usage_errors_are_answered_by_the_command_line_parser(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "workdays", "add", "2026-02-13")
    assert (code, out) == (2, "")
    code, out, _ = run(capsys, "workdays", "add", "2026-02-13", "1", "extra")
    assert (code, out) == (2, "")


@pytest.mark.usefixtures("with_2027")
def test_the_installed_command() -> None:
    done = subprocess.run(
        [BIN, "workdays", "add", "2027-02-05", "1", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"date": "2027-02-15", "provisional": False}
    done = subprocess.run(
        [BIN, "workdays", "add", "2027-02-05", "-3"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert done.stderr == "error: n: must be from 0 to 3650 (got -3)\n"
