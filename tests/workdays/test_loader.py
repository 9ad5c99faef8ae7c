"""R-4.3 working days, loading the calendar: chinese-calendar, the shipped files, the operator's folder."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import chinese_calendar
import pytest

from chengxin.errors import ConfigError
from chengxin.runtime import Runtime
from chengxin.settings import load_settings
from chengxin.workdays.loader import (
    MAX_FILE_BYTES,
    HolidayFileError,
    library_years,
    load_calendar,
    read_holiday_files,
    shipped_files,
)
from chengxin.workdays.rules import DayResult, YearDays
from tests.workdays.conftest import YEAR_2026_EXTRA, YEAR_2027, d

DOCS = Path(__file__).resolve().parents[2] / "docs" / "workdays.md"

OFFICIAL_2026 = YearDays(
    frozenset(
        d(f"2026-{md}")
        for md in (
            "01-01 01-02 01-03 02-15 02-16 02-17 02-18 02-19 02-20 02-21 02-22 02-23 04-04 04-05 "
            "04-06 05-01 05-02 05-03 05-04 05-05 06-19 06-20 06-21 09-25 09-26 09-27 10-01 10-02 "
            "10-03 10-04 10-05 10-06 10-07"
        ).split()
    ),
    frozenset(d(f"2026-{md}") for md in "01-04 02-14 02-28 05-09 09-20 10-10".split()),
)


def test_the_shipped_2026_file_agrees_with_chinese_calendar_and_the_notice() -> None:
    (held,) = [f for f in read_holiday_files(shipped_files()) if f.year == 2026]
    assert held.name == "chengxin/workdays/data/2026.yaml"
    assert "国办发明电〔2025〕7号" in held.source
    assert held.days == OFFICIAL_2026
    assert library_years()[2026] == OFFICIAL_2026
    for day in OFFICIAL_2026.working_days:
        assert day.weekday() >= 5
        assert chinese_calendar.get_holiday_detail(day)[0] is False


def test_library_years_cover_2004_to_2026() -> None:
    years = library_years()
    assert sorted(years) == list(range(2004, 2027))
    assert d("2025-10-08") in years[2025].holidays
    assert d("2025-09-28") in years[2025].working_days


def test_into_2027_warns_once_per_load_naming_the_last_known_year(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calendar = load_calendar(None)
    with caplog.at_level(logging.WARNING, logger="chengxin.workdays"):
        assert not calendar.add_workdays(d("2026-12-01"), 5).provisional
        assert caplog.records == []
        assert calendar.add_workdays(d("2026-12-30"), 2) == DayResult(
            d("2027-01-01"), provisional=True
        )
        assert calendar.between(d("2026-12-30"), d("2027-03-01")).provisional
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert record.name == "chengxin.workdays"
    message = record.getMessage()
    assert "known until 2026" in message
    assert "no holiday data for 2027" in message
    assert "CHENGXIN_HOLIDAYS_DIR" in message
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="chengxin.workdays"):
        load_calendar(None).between(d("2026-12-30"), d("2027-01-04"))
    assert len(caplog.records) == 1  # a new load warns again


def test_an_operator_2027_file_makes_2027_known(
    holidays_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (holidays_dir / "2027.yaml").write_text(YEAR_2027, encoding="utf-8")
    calendar = load_calendar(holidays_dir)
    with caplog.at_level(logging.WARNING, logger="chengxin.workdays"):
        assert calendar.known_until == 2027
        assert calendar.add_workdays(d("2026-12-30"), 2) == DayResult(
            d("2027-01-04"), provisional=False
        )
        # 春节 2027-02-06 .. 02-12 (made up), Sat 02-20 worked.
        assert calendar.add_workdays(d("2027-02-05"), 1) == DayResult(
            d("2027-02-15"), provisional=False
        )
        assert calendar.add_workdays(d("2027-02-19"), 1) == DayResult(
            d("2027-02-20"), provisional=False
        )
        assert calendar.between(d("2026-12-28"), d("2027-01-08")).count == 8
        assert not calendar.between(d("2026-12-28"), d("2027-12-31")).provisional
    assert caplog.records == []
    assert calendar.add_workdays(d("2027-12-30"), 2) == DayResult(d("2028-01-03"), provisional=True)


def test_an_operator_file_overrides_2026(holidays_dir: Path) -> None:
    shipped = load_calendar(None)
    assert shipped.add_workdays(d("2026-02-27"), 2) == DayResult(d("2026-03-02"), provisional=False)
    (holidays_dir / "2026-local.yaml").write_text(YEAR_2026_EXTRA, encoding="utf-8")
    local = load_calendar(holidays_dir)
    assert local.add_workdays(d("2026-02-27"), 2) == DayResult(d("2026-03-03"), provisional=False)
    assert not local.is_workday(d("2026-03-02"))
    assert local.between(d("2026-01-01"), d("2026-12-31")).count == 247


def test_a_file_replaces_its_whole_year(holidays_dir: Path) -> None:
    (holidays_dir / "2026.yaml").write_text(
        "kind: holiday_calendar\nyear: 2026\nsource: test\n"
        "holidays:\n  - {name: 虚构, date: 2026-03-02}\n",
        encoding="utf-8",
    )
    calendar = load_calendar(holidays_dir)
    assert calendar.is_workday(d("2026-02-16"))  # the Spring Festival is gone
    assert not calendar.is_workday(d("2026-02-14"))  # and so is its adjusted Saturday
    assert not calendar.is_workday(d("2026-03-02"))
    assert not calendar.is_workday(d("2025-10-01"))  # other years keep the library's data


def test_hidden_and_other_files_in_the_folder_are_skipped(holidays_dir: Path) -> None:
    (holidays_dir / ".2027.yaml").write_text("not: [valid", encoding="utf-8")
    (holidays_dir / "notes.txt").write_text("anything", encoding="utf-8")
    (holidays_dir / "2027.yml").write_text("anything: [", encoding="utf-8")
    assert load_calendar(holidays_dir).known_until == 2026


def test_a_missing_folder_is_refused_naming_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_calendar(tmp_path / "nowhere")
    assert caught.value.field == "CHENGXIN_HOLIDAYS_DIR"
    assert str(caught.value).startswith("CHENGXIN_HOLIDAYS_DIR: holiday folder ")


def test_the_runtime_reads_the_setting(holidays_dir: Path) -> None:
    (holidays_dir / "2027.yaml").write_text(YEAR_2027, encoding="utf-8")
    settings = load_settings({"CHENGXIN_HOLIDAYS_DIR": str(holidays_dir)})
    assert settings.holidays_dir == holidays_dir
    assert Runtime(settings).workdays.known_until == 2027
    assert Runtime(load_settings({})).workdays.known_until == 2026


def test_the_example_in_the_docs_is_a_valid_file() -> None:
    text = DOCS.read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(.*?)```", text, re.DOTALL)
    assert block is not None
    (held,) = read_holiday_files([("docs/workdays.md", block.group(1).encode())])
    assert held.year == 2027
    assert d("2027-02-20") in held.days.working_days


GOOD = YEAR_2027.splitlines()


def _with(line: int, text: str) -> str:
    """YEAR_2027 with its 1-based line `line` replaced by `text`."""
    lines = list(GOOD)
    lines[line - 1] = text
    return "\n".join(lines) + "\n"


MALFORMED: list[tuple[str | bytes, int, str]] = [
    # (file text, line, part of the reason)
    (_with(6, "  - {name: 春节, from: 2027-02-30, to: 2027-02-12}"), 6, "cannot read timestamp"),
    (_with(5, '  - {name: 元旦, date: "2027-01-01"}'), 5, "must be a date written YYYY-MM-DD"),
    (_with(8, "  - 2027-2-20"), 8, "must be a date written YYYY-MM-DD"),
    (_with(3, "sources: x"), 3, "unknown key; did you mean 'source'?"),
    (_with(5, "  - {name: 元旦, date: 2027-01-01, days: 1}"), 5, "unknown key"),
    (_with(5, "  - {name: 元旦, date: 2027-01-01, from: 2027-01-01}"), 5, "unknown key"),
    (_with(5, "  - {date: 2027-01-01}"), 5, "missing required key 'name'"),
    (_with(6, "  - {name: 春节, from: 2027-02-06}"), 6, "missing required key 'to'"),
    (_with(5, "  - {name: 元旦, date: 2026-12-31}"), 5, "2026-12-31 is not in 2027"),
    (
        _with(6, "  - {name: 春节, from: 2027-12-30, to: 2028-01-02}"),
        6,
        "2028-01-02 is not in 2027",
    ),
    (_with(8, "  - 2028-02-19"), 8, "2028-02-19 is not in 2027"),
    (_with(6, "  - {name: 春节, from: 2027-02-12, to: 2027-02-06}"), 6, "is before from"),
    (_with(8, "  - 2027-02-06"), 8, "2027-02-06 is also a holiday (line 6)"),
    (_with(8, "  - 2027-02-17"), 8, "is a Wednesday, a working day anyway"),
    (
        _with(5, "  - {name: 元旦, from: 2027-02-05, to: 2027-02-07}"),
        6,
        "already a holiday on line 5",
    ),
    (_with(1, "kind: catalog_items"), 1, "kind: must be 'holiday_calendar'"),
    (_with(1, "# no kind"), 2, "kind: a value is required"),
    (_with(2, "year: twenty"), 2, "year: must be a whole number"),
    (_with(2, "year: 20270"), 2, "year: must be at most 9999"),
    ("\n".join([*GOOD[:3], "holidays: []", *GOOD[6:]]), 4, "holidays: must not be empty"),
    (_with(5, "  - 2027-01-01"), 5, "holidays[0]: must be a mapping"),
    (_with(8, "  - {date: 2027-02-20}"), 8, "item 1 must be a date"),
    (_with(3, "kind: holiday_calendar"), 3, "duplicate key 'kind' (first given on line 1)"),
    ("- kind: holiday_calendar\n- year: 2027\n", 1, "must hold a mapping"),
    ("kind: holiday_calendar\nyear: [2027\n", 3, "invalid YAML"),
    ("", 1, "file is empty"),
    (_with(4, "holidays: &h"), 4, "anchors"),
    ("kind: holiday_calendar\n".encode("utf-16"), 1, "not UTF-8"),
]


@pytest.mark.parametrize(("text", "line", "reason"), MALFORMED)
def test_malformed_files_are_refused_naming_file_and_line(
    holidays_dir: Path, text: str | bytes, line: int, reason: str
) -> None:
    path = holidays_dir / "2027.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    with pytest.raises(HolidayFileError) as caught:
        load_calendar(holidays_dir)
    error = caught.value
    assert isinstance(error, ConfigError)
    assert (error.file, error.line) == (str(path), line), error.problems
    assert reason in error.reason
    assert str(error).startswith(f"{path}:{line}: ")


def test_a_file_larger_than_1_mib_is_refused(holidays_dir: Path) -> None:
    path = holidays_dir / "2027.yaml"
    path.write_text(YEAR_2027 + "#" * MAX_FILE_BYTES, encoding="utf-8")
    with pytest.raises(HolidayFileError) as caught:
        load_calendar(holidays_dir)
    assert str(caught.value) == f"{path}:1: file is larger than {MAX_FILE_BYTES} bytes (1 MiB)"


def test_two_files_for_one_year_are_refused(holidays_dir: Path) -> None:
    (holidays_dir / "a.yaml").write_text(YEAR_2027, encoding="utf-8")
    (holidays_dir / "b.yaml").write_text(YEAR_2027, encoding="utf-8")
    with pytest.raises(HolidayFileError) as caught:
        load_calendar(holidays_dir)
    assert str(caught.value) == (
        f"{holidays_dir / 'b.yaml'}:2: year: 2027 is already given in {holidays_dir / 'a.yaml'}:2"
    )


def test_every_problem_of_every_file_is_reported(holidays_dir: Path) -> None:
    (holidays_dir / "a.yaml").write_text(_with(8, "  - 2027-02-17"), encoding="utf-8")
    (holidays_dir / "b.yaml").write_text(
        _with(5, "  - {name: 元旦, date: 2026-12-31, typo: 1}"), encoding="utf-8"
    )
    with pytest.raises(HolidayFileError) as caught:
        load_calendar(holidays_dir)
    problems = [(Path(p.file).name, p.line) for p in caught.value.problems]
    assert problems == [("a.yaml", 8), ("b.yaml", 5)]
    assert str(caught.value).endswith("(and 1 more)")
