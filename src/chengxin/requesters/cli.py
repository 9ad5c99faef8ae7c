"""`chengxin requesters …`: the registry of requesters and departments, violations, the violation
blacklist (违规经营黑名单), API keys and staff accounts (R-3.5)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session

from chengxin.cli_support import Actor, JsonFlag, cli_actor, emit_json, runtime
from chengxin.errors import InvalidInput, one_of
from chengxin.requesters import service
from chengxin.requesters.models import Requester, RequesterKind

requesters_app = typer.Typer(
    help="Requesters (查询机构), departments (实施部门), violations and the blacklist.",
    no_args_is_help=True,
)
Document = Annotated[
    str | None, typer.Option("--document", help="Number of the decision document (文书编号).")
]
MAX_PASSWORD_FILE_CHARS = 1024


def parse_kind(raw: str) -> RequesterKind:
    return one_of(RequesterKind, raw, field="kind", rule="requester-kind")


def parse_day(raw: str, field: str) -> dt.date:
    """A calendar day written YYYY-MM-DD (nothing else: no week dates, no basic format)."""
    text = raw.strip()
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
    except ValueError:
        pass
    raise InvalidInput("must be a date YYYY-MM-DD", field=field, rule="date")


def read_password(file: str) -> str:
    """The password from a file, or standard input for `-`; one trailing newline is dropped."""
    try:
        if file == "-":
            text = sys.stdin.read(MAX_PASSWORD_FILE_CHARS + 2)
        else:
            with Path(file).open(encoding="utf-8") as fh:
                text = fh.read(MAX_PASSWORD_FILE_CHARS + 2)
    except (OSError, UnicodeDecodeError):
        raise InvalidInput(
            "cannot be read as a UTF-8 text file", field="password_file", rule="readable"
        ) from None
    return text.removesuffix("\n").removesuffix("\r")


def _row(session: Session, r: Requester) -> dict[str, Any]:
    return {
        "code": r.code, "name": r.name, "kind": r.kind.value, "region": r.region_code,
        "uscc": r.uscc, "created_at": r.created_at, "blacklisted": r.blacklisted_at is not None,
        "blacklisted_at": r.blacklisted_at, "blacklist_reason": r.blacklist_reason,
        "keys": [k.prefix for k in service.requester_keys(session, r) if k.revoked_at is None],
    }  # fmt: skip


@requesters_app.command("add")
def add(
    code: str,
    *,
    name: Annotated[str, typer.Option(help="Full name of the body.")],
    kind: Annotated[str, typer.Option(help=f"Kind: {', '.join(k.value for k in RequesterKind)}.")],
    region: Annotated[str, typer.Option(help="Six-digit administrative division code.")],
    uscc: Annotated[
        str | None, typer.Option(help="Unified social credit code (统一社会信用代码).")
    ] = None,
    actor: Actor = None,
) -> None:
    """Register a requester or a government department."""
    rt = runtime()
    with rt.sessions() as session, session.begin():
        requester = service.add_requester(
            session, rt.clock(), code=code, name=name, kind=parse_kind(kind), region_code=region,
            uscc=uscc, actor=cli_actor(actor),
        )  # fmt: skip
    typer.echo(f"requester {requester.code} added ({requester.kind.value})")


@requesters_app.command("list")
def list_(as_json: JsonFlag = False) -> None:
    """List requesters, blacklisted ones marked."""
    rt = runtime()
    with rt.reads() as session:
        rows = [_row(session, r) for r in service.list_requesters(session)]
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        mark = "BLACKLISTED" if r["blacklisted"] else ""
        typer.echo(f"{r['code']:<20} {r['kind']:<24} {r['region']}  {r['name']}  {mark}".rstrip())


@requesters_app.command("show")
def show(code: str, as_json: JsonFlag = False) -> None:
    """One requester with its violations, blacklist history, keys and staff."""
    rt = runtime()
    with rt.reads() as session:
        requester = service.get_requester(session, code)
        info = _row(session, requester)
        info["violations"] = [
            {"id": v.id, "occurred_on": v.occurred_on, "description": v.description,
             "document_number": v.document_number, "recorded_at": v.recorded_at,
             "recorded_by": v.recorded_by}
            for v in service.violations_of(session, requester.id)
        ]  # fmt: skip
        info["blacklist_history"] = [
            {"event": e.event.value, "at": e.at, "reason": e.reason,
             "document_number": e.document_number, "actor": e.actor}
            for e in service.blacklist_history(session, requester.id)
        ]  # fmt: skip
        info["staff"] = [a.username for a in service.staff_of(session, requester.id)]
    if as_json:
        emit_json(info)
        return
    for key in ("code", "name", "kind", "region", "uscc", "created_at", "blacklisted"):
        typer.echo(f"{key}: {info[key] if info[key] is not None else '-'}")
    if info["blacklisted"]:
        typer.echo(f"blacklisted at: {info['blacklisted_at']}  reason: {info['blacklist_reason']}")
    typer.echo(f"keys: {', '.join(info['keys']) or '-'}")
    typer.echo(f"staff: {', '.join(info['staff']) or '-'}")
    typer.echo(f"violations: {len(info['violations']) or '-'}")
    for v in info["violations"]:
        typer.echo(f"  {v['occurred_on']}  {v['document_number'] or '-'}  {v['description']}")
    for e in info["blacklist_history"]:
        typer.echo(f"  {e['at']:%Y-%m-%d %H:%M}Z {e['event']}: {e['reason']}")


@requesters_app.command("violation")
def violation(
    code: str,
    date: Annotated[str, typer.Option(help="The day it happened (YYYY-MM-DD).")],
    description: Annotated[str, typer.Option(help="What rule was broken, how.")],
    document: Document = None,
    actor: Actor = None,
) -> None:
    """Record a violation on a requester's file (it does not blacklist by itself)."""
    rt = runtime()
    with rt.sessions() as session, session.begin():
        service.record_violation(
            session, rt.clock(), code=code, occurred_on=parse_day(date, "date"),
            description=description, document_number=document, actor=cli_actor(actor),
        )  # fmt: skip
    typer.echo(f"{code}: violation recorded")


@requesters_app.command("blacklist")
def blacklist(
    code: str,
    reason: Annotated[str, typer.Option(help="Why (kept on file; its hash goes in the ledger).")],
    document: Document = None,
    actor: Actor = None,
) -> None:
    """Put a requester on the violation blacklist (违规经营黑名单): its keys and staff are refused
    from now on."""
    rt = runtime()
    with rt.sessions() as session, session.begin():
        service.blacklist_requester(
            session, rt.clock(), code=code, reason=reason, document_number=document,
            actor=cli_actor(actor),
        )  # fmt: skip
    typer.echo(f"{code}: blacklisted; its keys and staff are refused from now on")


@requesters_app.command("blacklist-lift")
def blacklist_lift(
    code: str,
    reason: Annotated[str, typer.Option(help="The decision that lifts it.")],
    document: Document = None,
    actor: Actor = None,
) -> None:
    """Take a requester off the blacklist by a decision (the history stays)."""
    rt = runtime()
    with rt.sessions() as session, session.begin():
        service.lift_blacklist(
            session, rt.clock(), code=code, reason=reason, document_number=document,
            actor=cli_actor(actor),
        )  # fmt: skip
    typer.echo(f"{code}: taken off the blacklist")


@requesters_app.command("key-create")
def key_create(
    code: str,
    label: Annotated[str, typer.Option(help="What the key is for.")] = "api",
    actor: Actor = None,
) -> None:
    """Create an API key for a requester; the key is printed once and never again."""
    rt = runtime()
    with rt.sessions() as session, session.begin():
        row, token = service.create_requester_key(
            session, rt.clock(), code=code, label=label, actor=cli_actor(actor)
        )
    typer.echo(token)
    typer.echo(f"key {row.prefix} for {code}: store it now, it cannot be shown again", err=True)


@requesters_app.command("key-revoke")
def key_revoke(prefix: str, actor: Actor = None) -> None:
    """Revoke a requester's API key by its prefix; it stops working at once."""
    rt = runtime()
    with rt.sessions() as session, session.begin():
        service.revoke_requester_key(session, rt.clock(), prefix, actor=cli_actor(actor))
    typer.echo(f"key {prefix} revoked")


@requesters_app.command("staff-add")
def staff_add(
    code: str,
    username: str,
    password_file: Annotated[
        str, typer.Option(help="File holding the password; - reads standard input.")
    ],
    actor: Actor = None,
) -> None:
    """Create a staff account: role `department` for a government department, else
    `requester`."""
    password = read_password(password_file)
    rt = runtime()
    with rt.sessions() as session, session.begin():
        account = service.add_staff(
            session, rt.clock(), code=code, username=username, password=password,
            actor=cli_actor(actor),
        )  # fmt: skip
    typer.echo(f"account {account.username} ({account.role.value}) added to {code}")
