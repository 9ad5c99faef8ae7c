"""`chengxin id`, `chengxin uscc` and `chengxin identity` commands."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import typer

from chengxin.cli_support import emit_json, runtime
from chengxin.clock import china_today, system_clock
from chengxin.identity import service
from chengxin.identity.masking import mask_name
from chengxin.identity.models import ReviewState
from chengxin.identity.numbers import parse_id_number, parse_uscc

id_app = typer.Typer(help="Citizen identity numbers (GB 11643).", no_args_is_help=True)
uscc_app = typer.Typer(help="Unified social credit codes (GB 32100).", no_args_is_help=True)
identity_app = typer.Typer(help="Identity review queue (R-1.2).", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


@id_app.callback()
def _id() -> None:
    """Citizen identity numbers."""


@uscc_app.callback()
def _uscc() -> None:
    """Unified social credit codes."""


@id_app.command("check")
def id_check(number: str, as_json: JsonFlag = False) -> None:
    """Validate and normalise an ID number; exit 2 with the failed part if invalid."""
    parsed = parse_id_number(number, china_today(system_clock()))
    info: dict[str, Any] = {
        "normalized": parsed.normalized,
        "region": {
            "code": parsed.region.code,
            "province": parsed.region.province,
            "city": parsed.region.city,
            "county": parsed.region.county,
        },
        "birth_date": parsed.birth_date.isoformat(),
        "sex": parsed.sex,
        "masked": parsed.masked,
        "upgraded_from": parsed.upgraded_from,
    }
    if as_json:
        emit_json(info)
        return
    typer.echo(f"号码 normalized:  {parsed.normalized}")
    if parsed.upgraded_from:
        typer.echo(f"升位 upgraded from 15 digits: {parsed.upgraded_from}")
    typer.echo(f"地区 region:      {parsed.region.code} {parsed.region.label}")
    typer.echo(f"出生 birth date:  {parsed.birth_date.isoformat()}")
    typer.echo(f"性别 sex:         {'男 M' if parsed.sex == 'M' else '女 F'}")
    typer.echo(f"掩码 masked:      {parsed.masked}")


@uscc_app.command("check")
def uscc_check(code: str, as_json: JsonFlag = False) -> None:
    """Validate a unified social credit code; exit 2 with the failed part if invalid."""
    parsed = parse_uscc(code)
    info = {
        "normalized": parsed.normalized,
        "registration_authority": parsed.registration_authority,
        "region_code": parsed.region_code,
        "masked": parsed.masked,
    }
    if as_json:
        emit_json(info)
        return
    typer.echo(f"代码 normalized:  {parsed.normalized}")
    typer.echo(f"登记管理部门及机构类别 authority/category: {parsed.registration_authority}")
    typer.echo(f"地区 region code: {parsed.region_code}")
    typer.echo(f"掩码 masked:      {parsed.masked}")


@identity_app.command("reviews")
def reviews(
    show_all: Annotated[bool, typer.Option("--all", help="Include decided cases.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """List identity review cases (names shown masked)."""
    rt = runtime()
    with rt.reads() as session:
        cases = service.list_reviews(session, rt.keys, None if show_all else ReviewState.PENDING)
    rows: list[dict[str, Any]] = [
        {
            "id": str(c.id),
            "state": c.state.value,
            "name_on_file": mask_name(c.name_on_file),
            "incoming_name": mask_name(c.incoming_name),
            "submitted_by": c.submitted_by,
            "opened_at": c.opened_at.isoformat(),
            "waiting_data": c.payload is not None,
            "held_row": c.held_row,
        }
        for c in cases
    ]
    if as_json:
        emit_json(rows)
        return
    if not rows:
        typer.echo("no identity review cases")
    for r in rows:
        held = r["held_row"]
        where = f"  holds {held['item']} row {held['row']} of batch {held['batch']}" if held else ""
        typer.echo(
            f"{r['id']}  {r['state']:<12} on file {r['name_on_file']}  incoming "
            f"{r['incoming_name']}  from {r['submitted_by']}  {r['opened_at']}{where}"
        )


@identity_app.command("decide")
def decide(
    review_id: uuid.UUID,
    decision: Annotated[ReviewState, typer.Option(help="name_changed or rejected")],
    reason: Annotated[str, typer.Option(help="Why (kept in the case).")],
    actor: Annotated[str, typer.Option(help="Operator deciding.")],
) -> None:
    """Decide a review: the person's name changed (the held row is applied), or the incoming
    name is rejected (the held row is refused)."""
    from chengxin.collection.waiting import decide_review  # noqa: PLC0415

    rt = runtime()
    with rt.sessions() as session, session.begin():
        case, held = decide_review(
            session, rt.keys, rt.catalog, rt.clock(), review_id=review_id, decision=decision,
            actor=actor, reason=reason,
        )  # fmt: skip
    suffix = f"; the row it held: {held}" if held else ""
    typer.echo(f"review {case.id}: {case.state.value}{suffix}")
