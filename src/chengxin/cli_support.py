"""Small helpers shared by the domain CLIs: the runtime, the --json and --actor options, JSON
output, stderr, and how a command that failed on the database (a full disk, a lost connection)
ends."""

from __future__ import annotations

import getpass
import json
import sys
from typing import Annotated, Any

import typer
from sqlalchemy.exc import DBAPIError

from chengxin.db import DatabaseTrouble, database_trouble
from chengxin.runtime import Runtime
from chengxin.settings import load_settings

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]
Actor = Annotated[
    str | None, typer.Option(help="Who does this (kept with the change); default cli:<user>.")
]


def runtime() -> Runtime:
    return Runtime(load_settings())


def cli_actor(actor: str | None) -> str:
    """The actor recorded with a change made from the command line: `--actor`, or the login."""
    if actor:
        return actor
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):  # no login name in some containers
        return "cli:operator"


def _plain(value: Any) -> Any:
    # Dates and times as ISO 8601 (as the API writes them); UUIDs, enums, decimals as text.
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def emit_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=_plain) + "\n")


def err(message: str) -> None:
    sys.stderr.write(message + "\n")


def database_failure(exc: BaseException) -> str | None:
    """The one line a command ends with when the database failed it, naming the cause; None
    for any other exception. The failed transaction was rolled back."""
    trouble = database_trouble(exc)
    if trouble is None:
        return None
    cause = type(exc).__name__
    if isinstance(exc, DBAPIError):  # the driver's first line: "database or disk is full" …
        cause = (str(exc.orig).strip().splitlines() or [cause])[0][:200]
    if trouble is DatabaseTrouble.STORAGE_FULL:
        return (f"error: database: the storage is full ({cause}); the failed step was not "
                "saved. Free disk space, then run the command again")  # fmt: skip
    return (f"error: database: cannot be reached or cannot answer now ({cause}). Check "
            "CHENGXIN_DATABASE_URL and the database server, then run the command "
            "again")  # fmt: skip
