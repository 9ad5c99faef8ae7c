"""`chengxin lists types` and `chengxin lists members TYPE`: the list types in force and who is
on a list on a date (subject ids only: no personal data is printed)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from chengxin.cli_support import emit_json, runtime
from chengxin.clock import china_today
from chengxin.lists.queries import list_members
from chengxin.lists.types import shipped_types

lists_app = typer.Typer(help="Lists (名单): red, serious dishonesty, key supervision.",
                        no_args_is_help=True)  # fmt: skip


@lists_app.callback()
def _lists() -> None:
    """Lists."""


@lists_app.command("types")
def types(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The list types in force today: code, kind, term, notice window, name."""
    rt = runtime()
    current = shipped_types().current(china_today(rt.clock()))
    if as_json:
        emit_json([t.model_dump(mode="json") for t in current])
        return
    for t in current:
        term = f"{t.term_months}m" if t.term_months else "open"
        typer.echo(f"{t.code:<36} {t.kind.value:<18} {term:<5} notice {t.notice_workdays:>2}wd  "
                   f"{t.name.zh}")  # fmt: skip


@lists_app.command("members")
def members(
    list_type: Annotated[str, typer.Argument(help="A list type code")],
    on: Annotated[str | None, typer.Option(help="YYYY-MM-DD; default today (Beijing)")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Subject ids on the list on a date."""
    rt = runtime()
    day = dt.date.fromisoformat(on) if on else china_today(rt.clock())
    shipped_types().in_force(list_type, day)  # refuses an unknown code
    try:
        with rt.reads() as session:
            ids = [str(i) for i in list_members(session, list_type, day)]
    finally:
        rt.close()
    if as_json:
        emit_json({"list_type": list_type, "on": day, "subject_ids": ids})
        return
    for subject_id in ids:
        typer.echo(subject_id)
