"""`chengxin quality report`: timeliness and accuracy per source and item (R-2.7)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated

import typer

from chengxin.cli_support import emit_json, runtime
from chengxin.clock import CHINA_TZ
from chengxin.collection.quality import ItemQuality, QualityReport, SourceQuality, quality_report
from chengxin.collection.sources import source_by_code

quality_app = typer.Typer(
    help="Data quality of sources: delays, refusals, corrections, overdue items (R-2.7).",
    no_args_is_help=True,
)
TOP_RULES = 3


@quality_app.callback()
def _group() -> None:
    """Data quality of sources: delays, refusals, corrections, overdue items (R-2.7)."""
    # A callback keeps `report` a subcommand even while it is the group's only command.


def _when(at: dt.datetime | None, never: str = "-") -> str:
    return never if at is None else at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")


def _days(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _item_line(item: ItemQuality) -> str:
    d = item.delay_days
    mean, median, p90 = (None, None, None) if d is None else (d.mean, d.median, d.p90)
    if item.days_overdue is None:
        due = "not expected" if item.granted else "not granted"
    else:
        due = f"OVERDUE {item.days_overdue}d" if item.overdue else "on time"
    return (
        f"  {item.item_code:<34} {item.records_received:>8} "
        f"{_days(mean):>7} {_days(median):>7} {_days(p90):>7} "
        f"{item.corrections:>7}  {_when(item.last_received_at):<16}  {due}"
    )


def _source_lines(source: SourceQuality) -> list[str]:
    rate = "-" if source.refusal_rate is None else f"{source.refusal_rate:.1%}"
    rules = ", ".join(f"{r.rule} {r.refused}" for r in source.refused_by_rule[:TOP_RULES])
    lines = [
        f"{source.code}  {source.name}",
        f"  batches {source.batches}, last {_when(source.last_batch_at, 'never')}; "
        f"rows {source.rows_total}, "
        f"refused {source.refused} ({rate}), waiting for identity review {source.waiting}",
    ]
    if rules:
        lines.append(f"  top refusal rules: {rules}")
    if source.items:
        lines.append(
            f"  {'item':<34} {'records':>8} {'mean':>7} {'median':>7} {'p90':>7} "
            f"{'correct':>7}  {'last received':<16}  due"
        )
        lines.extend(_item_line(item) for item in source.items)
    return lines


def _print(report: QualityReport) -> None:
    typer.echo(f"data quality as of {_when(report.generated_at)} (China time)")
    typer.echo("delay: days from decision to arrival (mean, median, 90th percentile)")
    for source in report.sources:
        typer.echo("")
        for line in _source_lines(source):
            typer.echo(line)
    if not report.sources:
        typer.echo("no sources")


@quality_app.command("report")
def report(
    source: Annotated[str | None, typer.Option(help="Only this source (its code).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Timeliness and accuracy per source and item.

    Per source: batches, rows, refusal rate and the rules most broken. Per item: records, days
    from decision to arrival, corrections, and whether it is overdue against its update
    frequency."""
    rt = runtime()
    with rt.reads() as session:
        source_id = None if source is None else source_by_code(session, source).id
        found = quality_report(session, rt.catalog, rt.clock(), source_id)
    if as_json:
        emit_json(asdict(found))
        return
    _print(found)
