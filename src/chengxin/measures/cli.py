"""`chengxin measures …`: the measures in force, every version of one, and a check of an
operator's folder (R-6.2, R-6.3). The measures are the shipped ones plus CHENGXIN_MEASURES_DIR.

Refusals print one line on stderr and exit with status 2; a folder that cannot be loaded prints
every problem as `file:line: field: reason` first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from chengxin.cli_support import emit_json, runtime
from chengxin.clock import china_today
from chengxin.lists.types import shipped_types
from chengxin.measures.loader import MeasuresError, load_measures
from chengxin.measures.statistics import figures
from chengxin.measures.types import Clause, Measure, MeasureKind, Measures, Scenario, Target

measures_app = typer.Typer(help="Reward and punishment measures (奖惩措施清单), R-6.2, R-6.3.",
                           no_args_is_help=True)  # fmt: skip

OnOption = Annotated[
    dt.datetime | None,
    typer.Option("--on", formats=["%Y-%m-%d"], help="Date in force (YYYY-MM-DD); default today"),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON")]
DayOption = Annotated[
    dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="A Beijing date (YYYY-MM-DD)")
]


@measures_app.callback()
def _measures() -> None:
    """Reward and punishment measures."""


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _report(exc: MeasuresError) -> NoReturn:
    for problem in exc.problems:
        typer.echo(problem, err=True)
    _fail(f"{len(exc.problems)} problem(s) in the measure files")


def _loaded() -> tuple[Measures, dt.date]:
    rt = runtime()
    try:
        return rt.measures, china_today(rt.clock())
    except MeasuresError as exc:
        _report(exc)


def _clause(clause: Clause) -> str:
    if clause.lists:
        return "list " + " / ".join(clause.lists)
    if clause.list_kinds:
        return "any " + " / ".join(clause.list_kinds) + " list"
    if clause.clean_years is not None:
        return f"no bad record for {clause.clean_years} years"
    cond = clause.records
    assert cond is not None  # noqa: S101  (a clause gives exactly one of the four)
    parts = [" / ".join(cond.items or cond.categories) + " records"]
    if cond.items and cond.categories:
        parts.append("of " + " / ".join(cond.categories))
    if cond.severities:
        parts.append("of severity " + " / ".join(cond.severities))
    if cond.within_months:
        parts.append(f"within {cond.within_months} months")
    return " ".join(parts)


def describe_target(target: Target) -> str:
    """The target in one line: `A or B, unless C or D`."""
    text = " or ".join(_clause(c) for c in target.any_of)
    if target.unless:
        text += ", unless " + " or ".join(_clause(c) for c in target.unless)
    return text


@measures_app.command("list")
def list_measures(
    on: OnOption = None,
    scenario: Annotated[Scenario | None, typer.Option(help="Only this scenario")] = None,
    kind: Annotated[MeasureKind | None, typer.Option(help="Only rewards or punishments")] = None,
    as_json: JsonOption = False,
) -> None:
    """The measures in force on a date: code, kind, effect, scenarios, name."""
    measures, today = _loaded()
    day = on.date() if on else today
    found = [
        m
        for m in measures.in_force(day)
        if (scenario is None or scenario in m.scenarios) and (kind is None or m.kind is kind)
    ]
    if as_json:
        emit_json({"on": day, "count": len(found),
                   "measures": [m.model_dump(mode="json") for m in found]})  # fmt: skip
        return
    for m in found:
        typer.echo(f"{m.code:<36} {m.kind:<10} {m.effect:<19} {','.join(m.scenarios):<28} "
                   f"{m.name.zh} / {m.name.en}")  # fmt: skip
    typer.echo(f"{len(found)} measures in force on {day}")


def _show_version(m: Measure) -> None:
    state = "retired from" if m.retired else "in force from"
    typer.echo(f"  version {state} {m.effective_from}: {m.kind}, {m.effect}")
    if m.retired:
        return
    typer.echo(f"    name: {m.name.zh} / {m.name.en}")
    if m.description is not None:
        typer.echo(f"    description: {m.description.zh}")
    typer.echo(f"    scenarios: {', '.join(m.scenarios)}")
    typer.echo(f"    target: {describe_target(m.target)}")
    typer.echo(f"    implementing department: {m.implementing_department.zh} / "
               f"{m.implementing_department.en}")  # fmt: skip
    for basis in m.legal_basis:
        typer.echo(f"    legal basis: {basis.instrument} {basis.article}")
    if m.citation_note:
        typer.echo(f"    citation note: {m.citation_note}")
    typer.echo(f"    duration: {m.duration.zh} / {m.duration.en}")


@measures_app.command("show")
def show(
    code: Annotated[str, typer.Argument(help="A measure code")], as_json: JsonOption = False
) -> None:
    """Every version of one measure, oldest first, and which is in force today."""
    measures, today = _loaded()
    versions = measures.versions.get(code)
    if not versions:
        _fail(f"{code}: no measure has this code (see `chengxin measures list`)")
    current = next((m for m in measures.in_force(today) if m.code == code), None)
    if as_json:
        emit_json({"code": code, "in_force": current.model_dump(mode="json") if current else None,
                   "versions": [m.model_dump(mode="json") for m in versions]})  # fmt: skip
        return
    when = f"in force today ({today}) from {current.effective_from}" if current else (
        f"not in force today ({today})")  # fmt: skip
    typer.echo(f"{code}: {len(versions)} version(s), {when}")
    for m in versions:
        _show_version(m)


@measures_app.command("validate")
def validate(
    directory: Annotated[Path, typer.Argument(help="Folder of measure YAML files to check")],
) -> None:
    """Load the shipped measures plus DIR and report every problem as `file:line: field: reason`."""
    rt = runtime()
    try:
        measures = load_measures(rt.catalog, shipped_types(), directory)
    except MeasuresError as exc:
        _report(exc)
    versions = sum(len(v) for v in measures.versions.values())
    in_force = len(measures.in_force(china_today(rt.clock())))
    typer.echo(f"OK: {len(measures.codes())} measures ({versions} versions, {in_force} in force "
               f"today) from the shipped files and {directory}")  # fmt: skip


@measures_app.command("statistics")
def statistics_(
    since: DayOption = None,
    until: DayOption = None,
    department: Annotated[str | None, typer.Option(help="One department's requester code")] = None,
    as_json: JsonOption = False,
) -> None:
    """Checks and feedback per measure and department: returned, applied, skipped, overridden,
    awaiting feedback (R-6.4, R-7.3)."""
    rt = runtime()
    with rt.reads() as session:
        rows = figures(session, since=since.date() if since else None,
                       until=until.date() if until else None)  # fmt: skip
    rows = [r for r in rows if department is None or r.department == department]
    if as_json:
        emit_json([asdict(r) | {"awaiting": r.awaiting} for r in rows])
        return
    if not rows:
        typer.echo("no checks returned a measure in this period")
        return
    typer.echo(f"{'measure':<40} {'department':<16} returned applied skipped overridden awaiting")
    for r in rows:
        typer.echo(f"{r.measure:<40} {r.department:<16} {r.returned:>8} {r.applied:>7} "
                   f"{r.skipped:>7} {r.overridden:>10} {r.awaiting:>8}")  # fmt: skip
