"""`chengxin records …`: list current records, filtered by occupation or item (R-2.4)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Annotated

import typer

from chengxin.cli_support import emit_json, runtime
from chengxin.clock import china_today
from chengxin.identity.models import OccupationGroup

records_app = typer.Typer(help="Records (信用记录): current versions.", no_args_is_help=True)


@records_app.callback()
def _records() -> None:
    """Records."""


@records_app.command("list")
def list_records(
    occupation: Annotated[
        OccupationGroup, typer.Option(help="Only people in this key occupation.")
    ],
    item: Annotated[str | None, typer.Option(help="Only this catalog item.")] = None,
    on: Annotated[
        dt.datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Occupation held on (default today)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Active records of people holding a key occupation. Subjects are shown by id only: names and
    numbers are read through the access rules (issue C)."""
    from chengxin.collection.occupations import records_by_occupation  # noqa: PLC0415

    rt = runtime()
    day = on.date() if on else china_today(rt.clock())
    with rt.reads() as session:
        found = records_by_occupation(session, occupation, day, item)
    rows = [
        {"record": str(r.id), "subject": str(r.subject_id), "item": r.item_code,
         "record_id": r.source_record_id, "decision_date": r.decision_date.isoformat(),
         "version": r.version}
        for r in found
    ]  # fmt: skip
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['decision_date']}  {r['item']:<28} {r['subject']}  {r['record_id']}")
    typer.echo(f"{len(rows)} record(s)")


@records_app.command("history")
def history(
    record: uuid.UUID,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every version of a record (R-2.3): what changed, why, who and when."""
    from chengxin.records.service import history as versions_of  # noqa: PLC0415

    rt = runtime()
    with rt.reads() as session:
        versions = versions_of(session, record)
    rows = [
        {"version": v.version, "change": v.change.value, "status": v.status.value,
         "created_at": v.created_at, "actor": v.actor, "reason": v.reason,
         "batch": v.batch_id, "content": json.loads(v.content)}
        for v in versions
    ]  # fmt: skip
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        when = f"{r['created_at']:%Y-%m-%d %H:%M}"
        typer.echo(f"v{r['version']}  {r['change']:<10} {r['status']:<8} {when}  {r['actor']}  "
                   f"{r['reason']}")  # fmt: skip
