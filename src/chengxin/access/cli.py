"""`chengxin accounts …`: accounts of people (operators, reviewers, auditors, staff, citizens)."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Annotated

import typer

from chengxin.access import accounts
from chengxin.access.permissions import ACCOUNT_ROLES, Role
from chengxin.cli_support import emit_json, runtime
from chengxin.clock import china_today
from chengxin.errors import InvalidInput
from chengxin.identity import service as identity

accounts_app = typer.Typer(help="Accounts of people who log in.", no_args_is_help=True)
MAX_PASSWORD_FILE = 4096


def read_password(path: Path | None) -> str:
    """From a file (first line), from stdin with `-`, or asked for twice on a terminal."""
    if path is None:
        first = getpass.getpass("password: ")
        if first != getpass.getpass("again: "):
            raise InvalidInput("the two entries differ", field="password", rule="confirm")
        return first
    try:
        if str(path) == "-":
            text = sys.stdin.read(MAX_PASSWORD_FILE + 1)
        else:
            with path.open(encoding="utf-8") as fh:
                text = fh.read(MAX_PASSWORD_FILE + 1)
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            f"cannot be read ({type(exc).__name__})", field="password_file"
        ) from None
    if len(text) > MAX_PASSWORD_FILE:
        raise InvalidInput("is too large for a password file", field="password_file", rule="size")
    return text.splitlines()[0] if text else ""


@accounts_app.command("add")
def add(
    username: str,
    role: Annotated[Role, typer.Option(help=f"One of: {', '.join(sorted(ACCOUNT_ROLES))}")],
    password_file: Annotated[
        Path | None, typer.Option(help="File whose first line is the password; - for stdin")
    ] = None,
    requester: Annotated[str | None, typer.Option(help="Staff: the requester's code")] = None,
    id_number: Annotated[str | None, typer.Option(help="Citizen: their ID number")] = None,
) -> None:
    """Create an account. A citizen's must name a registered person (--id-number)."""
    password = read_password(password_file)
    rt = runtime()
    now = rt.clock()
    with rt.sessions() as session, session.begin():
        subject_id = None
        if id_number is not None:
            subject_id = identity.find_person(session, rt.keys, id_number, china_today(now))
            if subject_id is None:
                raise InvalidInput("no person with this ID number is registered",
                                   field="id_number", rule="registered")  # fmt: skip
        account = accounts.create_account(
            session, now, username=username, password=password, role=role,
            actor=f"cli:{getpass.getuser()}", subject_id=subject_id, requester_code=requester,
        )  # fmt: skip
        typer.echo(f"account created: {account.username} ({account.role})")


@accounts_app.command("list")
def list_accounts(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every account with its role and state (no personal data)."""
    rt = runtime()
    with rt.reads() as session:
        rows = [
            {"username": a.username, "role": str(a.role), "created_at": a.created_at,
             "disabled": a.disabled_at is not None}
            for a in accounts.list_accounts(session)
        ]  # fmt: skip
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        state = "disabled" if row["disabled"] else "active"
        typer.echo(f"{row['username']:<24} {row['role']:<12} {state}")


@accounts_app.command("disable")
def disable(username: str) -> None:
    """Disable an account at once: its sessions end and it cannot log in."""
    rt = runtime()
    with rt.sessions() as session, session.begin():
        accounts.disable_account(session, rt.clock(), username, actor=f"cli:{getpass.getuser()}")
    typer.echo(f"account disabled: {username}")
