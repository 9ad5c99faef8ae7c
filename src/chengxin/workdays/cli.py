"""`chengxin workdays …`: deadlines in working days (工作日) over holidays and 调休.

Refusals raise InvalidInput naming the argument (`date`, `n`, `start`, `end`); `chengxin.cli.main`
prints them as `error: field: message` and exits with status 2.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

import typer

from chengxin.cli_support import emit_json, err, runtime
from chengxin.errors import ConfigError, InvalidInput
from chengxin.workdays.loader import SETTING, HolidayFileError
from chengxin.workdays.rules import MAX_WORKDAYS, Calendar, WorkdayInputError

workdays_app = typer.Typer(
    help="Working days (工作日): deadlines over statutory holidays and 调休.", no_args_is_help=True
)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
# A negative N ("-3") reaches the command as an argument, so that it is refused naming `n`.
_ARGS: dict[str, Any] = {"ignore_unknown_options": True}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_WHOLE = re.compile(r"[+-]?\d{1,9}", re.ASCII)


@workdays_app.callback()
def _workdays() -> None:
    """Working days."""


def _shown(text: str) -> str:
    return repr(text[:20] + ("…" if len(text) > 20 else ""))


def parse_day(text: str, field: str) -> dt.date:
    """A date written YYYY-MM-DD, or InvalidInput naming `field`."""
    if _DATE.fullmatch(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise InvalidInput(f"{_shown(text)} is not a calendar date", field=field) from None
    raise InvalidInput(f"{_shown(text)} is not a date written YYYY-MM-DD", field=field)


def parse_n(text: str) -> int:
    """A whole number of working days, 0..MAX_WORKDAYS, or InvalidInput naming `n`."""
    if not _WHOLE.fullmatch(text):
        raise InvalidInput(f"{_shown(text)} is not a whole number", field="n")
    value = int(text)
    if not 0 <= value <= MAX_WORKDAYS:
        raise InvalidInput(f"must be from 0 to {MAX_WORKDAYS} (got {value})", field="n")
    return value


def _calendar() -> Calendar:
    try:
        return runtime().workdays
    except HolidayFileError as exc:
        for problem in exc.problems:
            err(str(problem))
        raise ConfigError(
            f"the holiday calendar cannot be loaded ({len(exc.problems)} problem(s))",
            rule="holiday_calendar",
        ) from None


def _warn_provisional(calendar: Calendar) -> None:
    err(
        f"warning: provisional: days in years without holiday data (known until "
        f"{calendar.known_until}) are counted Monday to Friday only; add the State Council's "
        f"schedule as a holiday file in {SETTING}"
    )


@workdays_app.command("add", context_settings=_ARGS)
def add(
    date: Annotated[str, typer.Argument(metavar="DATE", help="Start date, YYYY-MM-DD.")],
    n: Annotated[str, typer.Argument(metavar="N", help=f"Working days, 0 to {MAX_WORKDAYS}.")],
    as_json: JsonFlag = False,
) -> None:
    """The N-th working day after DATE (DATE itself not counted: "within N working days")."""
    start = parse_day(date, "date")
    count = parse_n(n)
    calendar = _calendar()
    try:
        result = calendar.add_workdays(start, count)
    except WorkdayInputError as exc:
        raise InvalidInput(exc.message, field=exc.field) from None
    if as_json:
        emit_json({"date": result.date.isoformat(), "provisional": result.provisional})
        return
    typer.echo(result.date.isoformat())
    if result.provisional:
        _warn_provisional(calendar)


@workdays_app.command("between", context_settings=_ARGS)
def between(
    start: Annotated[
        str, typer.Argument(metavar="A", help="Start date (not counted), YYYY-MM-DD.")
    ],
    end: Annotated[str, typer.Argument(metavar="B", help="End date (counted), YYYY-MM-DD.")],
    as_json: JsonFlag = False,
) -> None:
    """Working days after A up to and including B (0 when A equals B)."""
    a = parse_day(start, "start")
    b = parse_day(end, "end")
    calendar = _calendar()
    try:
        result = calendar.between(a, b)
    except WorkdayInputError as exc:
        raise InvalidInput(exc.message, field=exc.field) from None
    if as_json:
        emit_json({"count": result.count, "provisional": result.provisional})
        return
    typer.echo(str(result.count))
    if result.provisional:
        _warn_provisional(calendar)
