"""Loading the holiday calendar: chinese-calendar, then the shipped files, then the operator's.

chinese-calendar gives every year it knows. A holiday file (`kind: holiday_calendar`) replaces
the data of its year entirely: the shipped files in `chengxin/workdays/data/` first, then the
`*.yaml` files of the operator's folder (CHENGXIN_HOLIDAYS_DIR). Every file is checked strictly
and every problem is reported as `file:line: reason` in one HolidayFileError.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import chinese_calendar  # type: ignore[import-untyped]

from chengxin.catalog.reader import MapReader, Problems
from chengxin.catalog.yamlsource import CatalogError, Problem, YScalar, parse_yaml
from chengxin.errors import ConfigError
from chengxin.workdays.rules import Calendar, ProvisionalHook, YearDays

KIND = "holiday_calendar"
SUFFIX = ".yaml"
MAX_FILE_BYTES = 1024 * 1024
MAX_OPERATOR_FILES = 200
MIN_YEAR = 1949
MAX_YEAR = 9999
SETTING = "CHENGXIN_HOLIDAYS_DIR"
SHIPPED_PREFIX = "chengxin/workdays/data/"

log = logging.getLogger("chengxin.workdays")
# Without configured logging (the CLI) the warning is not printed twice: the CLI says it itself.
log.addHandler(logging.NullHandler())


class HolidayFileError(ConfigError):
    """Holiday files that cannot be used. `problems` lists every one found; `file`, `line` and
    `reason` are those of the first."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("HolidayFileError needs at least one problem")
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{first}{more}", rule=KIND)
        self.problems = tuple(problems)
        self.file = first.file
        self.line = first.line
        self.reason = first.reason


@dataclass(frozen=True, slots=True)
class HolidayFile:
    """One checked holiday file: the year's schedule and the notice it comes from."""

    name: str
    line: int
    year: int
    source: str
    days: YearDays


def load_calendar(extra_dir: Path | None = None) -> Calendar:
    """chinese-calendar's years, overridden year by year by the shipped files and then by the
    `*.yaml` files in `extra_dir` (CHENGXIN_HOLIDAYS_DIR), if given.

    Raises HolidayFileError (a ConfigError) listing every problem as `file:line: reason`, or
    ConfigError when the folder cannot be read. The calendar logs one WARNING on
    `chengxin.workdays` the first time an answer is provisional."""
    shipped = read_holiday_files(shipped_files())
    operator = read_holiday_files(operator_files(extra_dir)) if extra_dir is not None else []
    years = library_years()
    for held in (*shipped, *operator):
        years[held.year] = held.days
    known_until = max(years)
    return Calendar(years, on_provisional=_warn_once(known_until))


@cache
def shipped_calendar() -> Calendar:
    """The calendar without an operator's folder, for paths that are not given the node's."""
    return load_calendar()


def library_years() -> dict[int, YearDays]:
    """Every year chinese-calendar knows, as (holidays, adjusted working days)."""
    holidays: dict[int, set[dt.date]] = {}
    working: dict[int, set[dt.date]] = {}
    for table, out in ((chinese_calendar.holidays, holidays), (chinese_calendar.workdays, working)):
        for day in table:
            if not isinstance(day, dt.date):  # pragma: no cover - the library's own data
                raise ConfigError(f"chinese-calendar holds a non-date key {day!r}")
            out.setdefault(day.year, set()).add(day)
    if not holidays:  # pragma: no cover - the library always ships data
        raise ConfigError("chinese-calendar holds no holiday data")
    first, last = min(holidays), max(holidays)
    return {
        year: YearDays(frozenset(holidays.get(year, ())), frozenset(working.get(year, ())))
        for year in range(first, last + 1)
    }


def shipped_files() -> list[tuple[str, bytes]]:
    """The holiday files shipped in the package, in name order."""
    root = files("chengxin.workdays") / "data"
    found = [entry for entry in root.iterdir() if entry.name.endswith(SUFFIX) and entry.is_file()]
    return [
        (SHIPPED_PREFIX + entry.name, _read_limited(entry))
        for entry in sorted(found, key=lambda e: e.name)
    ]


def operator_files(directory: Path) -> list[tuple[str, bytes]]:
    """The `*.yaml` files directly in the operator's folder (names starting with `.` skipped),
    in name order."""
    if not directory.is_dir():
        raise ConfigError(
            f"holiday folder {directory} does not exist or is not a folder", field=SETTING
        )
    try:
        paths = sorted(
            p
            for p in directory.iterdir()
            if p.suffix == SUFFIX and not p.name.startswith(".") and p.is_file()
        )
    except OSError as exc:
        raise ConfigError(
            f"cannot read holiday folder {directory} ({exc.strerror})", field=SETTING
        ) from None
    if len(paths) > MAX_OPERATOR_FILES:
        raise ConfigError(
            f"more than {MAX_OPERATOR_FILES} files in holiday folder {directory}", field=SETTING
        )
    out = []
    for path in paths:
        try:
            out.append((str(path), _read_limited(path)))
        except OSError as exc:
            raise ConfigError(f"cannot read {path} ({exc.strerror})", field=SETTING) from None
    return out


def _read_limited(resource: Traversable | Path) -> bytes:
    with resource.open("rb") as fh:
        data: bytes = fh.read(MAX_FILE_BYTES + 1)
    return data


def read_holiday_files(sources: Sequence[tuple[str, bytes]]) -> list[HolidayFile]:
    """Parse and check holiday files (name, bytes); no I/O. Two files for one year are refused.

    Raises HolidayFileError with every problem found."""
    problems = Problems()
    out: list[HolidayFile] = []
    seen: dict[int, HolidayFile] = {}
    for name, raw in sources:
        held = read_holiday_file(name, raw, problems)
        if held is None:
            continue
        first = seen.get(held.year)
        if first is not None:
            problems.add(
                held.name,
                held.line,
                f"year: {held.year} is already given in {first.name}:{first.line}",
            )
            continue
        seen[held.year] = held
        out.append(held)
    if problems.found:
        raise HolidayFileError(sorted(problems.found, key=lambda p: (p.file, p.line)))
    return out


def read_holiday_file(name: str, raw: bytes, problems: Problems) -> HolidayFile | None:
    """Check one file; problems are added to `problems` and None is returned if there are any."""
    before = len(problems)
    if len(raw) > MAX_FILE_BYTES:
        problems.add(name, 1, f"file is larger than {MAX_FILE_BYTES} bytes (1 MiB)")
        return None
    try:
        root = parse_yaml(name, raw)
    except CatalogError as exc:
        problems.found.extend(exc.problems)
        return None
    reader = MapReader(root, name, problems)
    kind = reader.text("kind", max_length=32)
    if kind is None:
        return None
    if kind != KIND:
        reader.fail("kind", f"must be '{KIND}' (got {kind[:40]!r})")
        return None
    reader.check_keys(("kind", "year", "source", "holidays"), ("working_days",))
    year = _year(reader)
    source = reader.text("source", max_length=300)
    holidays = _holidays(reader, year)
    working = _working_days(reader, year, holidays)
    if len(problems) > before or year is None or source is None:
        return None
    days = YearDays(frozenset(holidays), frozenset(working))
    return HolidayFile(name, reader.line_of("year"), year, source, days)


def _year(reader: MapReader) -> int | None:
    year = reader.integer("year", required=True, minimum=MIN_YEAR)
    if year is not None and year > MAX_YEAR:
        reader.fail("year", f"must be at most {MAX_YEAR}")
        return None
    return year


def _outside(day: dt.date, year: int | None) -> str | None:
    if year is None or day.year == year:
        return None
    return f"{day.isoformat()} is not in {year}, the year of this file"


def _holidays(reader: MapReader, year: int | None) -> dict[dt.date, int]:
    """Holiday days → the line of the entry that gives them."""
    days: dict[dt.date, int] = {}
    for index, node in enumerate(reader.seq("holidays")):
        entry = reader.item_reader("holidays", index, node)
        if entry is None:
            continue
        single = "date" in entry.node.entries
        keys = ("name", "date") if single else ("name", "from", "to")
        if not entry.check_keys(keys):
            continue
        entry.text("name", max_length=60)
        first = entry.date("date" if single else "from")
        last = first if single else entry.date("to")
        if first is None or last is None:
            continue
        bad = False
        for key, day in (("date", first),) if single else (("from", first), ("to", last)):
            reason = _outside(day, year)
            if reason is not None:
                entry.fail(key, reason)
                bad = True
        if first > last:
            entry.fail("to", f"{last.isoformat()} is before from ({first.isoformat()})")
            bad = True
        if bad:
            continue
        day = first
        while day <= last:
            if day in days:
                entry.fail(None, f"{day.isoformat()} is already a holiday on line {days[day]}")
            else:
                days[day] = node.line
            day += dt.timedelta(days=1)
    return days


def _working_days(
    reader: MapReader, year: int | None, holidays: dict[dt.date, int]
) -> set[dt.date]:
    days: dict[dt.date, int] = {}
    for index, node in enumerate(reader.seq("working_days", required=False, allow_empty=True)):
        label = f"item {index + 1}"
        if not isinstance(node, YScalar) or not isinstance(node.value, dt.date):
            reader.fail("working_days", f"{label} must be a date written YYYY-MM-DD", node.line)
            continue
        day = node.value
        reason = _outside(day, year)
        if reason is None and day in holidays:
            reason = f"{day.isoformat()} is also a holiday (line {holidays[day]})"
        if reason is None and day in days:
            reason = f"{day.isoformat()} is listed twice (first on line {days[day]})"
        if reason is None and day.weekday() < 5:
            reason = (
                f"{day.isoformat()} is a {day:%A}, a working day anyway; list only the weekend "
                "days worked in lieu (调休上班)"
            )
        if reason is not None:
            reader.fail("working_days", f"{label}: {reason}", node.line)
            continue
        days[day] = node.line
    return set(days)


def _warn_once(known_until: int) -> ProvisionalHook:
    warned = False

    def warn(day: dt.date) -> None:
        nonlocal warned
        if warned:
            return
        warned = True
        log.warning(
            "no holiday data for %d (holiday calendar known until %d): %s and other days of "
            "years without data are counted weekends-only and marked provisional; add the "
            "State Council's schedule for %d as a holiday file in %s",
            day.year,
            known_until,
            day.isoformat(),
            day.year,
            SETTING,
            extra={"event": "workdays.provisional", "known_until": known_until},
        )

    return warn
