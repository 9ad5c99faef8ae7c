"""`chengxin score …`: the model in force, recomputes, and an operator's explanation of one
opted-in person's score (subject id, record ids and item codes only; no names)."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer

from chengxin.cli_support import emit_json, runtime
from chengxin.scoring import service
from chengxin.scoring.views import breakdown_dict, model_dict

score_app = typer.Typer(help="Integrity score (诚信积分): model, recompute, explain.",
                        no_args_is_help=True)  # fmt: skip


@score_app.callback()
def _score() -> None:
    """Integrity score."""


@score_app.command("model")
def show_model(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show the score model in force today (shipped files plus CHENGXIN_SCORING_DIR)."""
    rt = runtime()
    info = model_dict(service.model_for(rt, rt.clock()))
    if as_json:
        emit_json(info)
        return
    scale = info["scale"]
    typer.echo(f"{info['code']} v{info['version']} in force from {info['effective_from']}: "
               f"{info['name']['en']} ({info['name']['zh']})")  # fmt: skip
    typer.echo(f"base {scale['base']}, bounds {scale['min']}..{scale['max']}; status shares "
               f"{info['status_percent']}; category caps {info['category_caps']}")  # fmt: skip
    for rule in info["rules"]:
        target = rule.get("item") or f"category {rule['category']}"
        if "per_unit" in rule:
            unit = rule["per_unit"]
            points = f"{unit['points']:+d} per {unit['unit']} {unit['field']}"
        else:
            points = f"{rule['points']:+d}"
            if "by_severity" in rule:
                points += " " + str(rule["by_severity"])
        caps = ", ".join(f"{k} {rule[k]}" for k in ("max_per_record", "cap") if k in rule)
        decay = rule["decay"].get("text", "no decay")
        typer.echo(f"  {rule['name']:<24} {target:<32} {points} {caps} ({decay})".rstrip())
    typer.echo("grades: " + ", ".join(f"{g['code']} ≥ {g['min']}" for g in info["grades"]))


@score_app.command("recompute")
def recompute(
    full: Annotated[
        bool, typer.Option("--all", help="Everyone opted in, not only changed records")
    ] = False,
) -> None:
    """Recompute stored scores: people whose records changed since the last run, or everyone."""
    rt = runtime()
    now = rt.clock()
    model = service.model_for(rt, now)
    if full:
        report = service.recompute_all(rt.sessions, model, now)
    else:
        report = service.recompute_changed(rt.sessions, model, now)
    typer.echo(f"{report.kind} recompute with {model.label} ({report.path}): {report.subjects} "
               f"people, {report.records} records in {report.seconds:.2f} s")  # fmt: skip


@score_app.command("explain")
def explain(
    subject: Annotated[uuid.UUID, typer.Option("--subject", help="Subject id (UUID)")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """One opted-in person's score as of now, line by line (refused when not opted in)."""
    rt = runtime()
    now = rt.clock()
    model = service.model_for(rt, now)
    with rt.reads() as session:
        info = breakdown_dict(service.explain(session, model, now, subject))
    if as_json:
        emit_json(info)
        return
    model_ref = f"{info['model']['code']} v{info['model']['version']}"
    typer.echo(f"{subject}: {info['total']} {info['grade']['code']} ({model_ref}, "
               f"as of {info['as_of']})")  # fmt: skip
    typer.echo(f"  base {info['base']:>+6d}")
    for line in info["lines"]:
        caps = f" cut {line['cut']:+d} by {'/'.join(line['caps'])}" if line["cut"] else ""
        typer.echo(f"  {line['final']:>+6d}  {line['item_code']:<30} {line['record_id']} "
                   f"{line['rule']} raw {line['raw']:+d} × {line['decay']} × "
                   f"{line['status_percent']}%{caps}")  # fmt: skip
