"""`chengxin backup` and `chengxin restore` (mounted at the top level of the CLI).

Refusals (a bad file, the wrong key file, a target holding data…) are one line
`error: field: reason` and exit 2, before anything is changed. A restore that is done but whose
ledger does not verify prints `FAILED: …` and exits 1, as `chengxin ledger verify` does."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chengxin.backups.manifest import RevisionState
from chengxin.backups.service import BackupResult, RestoreReport, restore_backup, take_backup
from chengxin.cli_support import emit_json, err, runtime


def _mib(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MiB"


def backup(
    dest: Annotated[
        Path, typer.Argument(metavar="FILE", help="The backup file to write, or a folder for it")
    ],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Back the database up into one file: a consistent copy (safe while the node serves) with a
    signed manifest. The key file is NOT in it: keep the key file backed up offline, apart."""
    rt = runtime()
    try:
        result = take_backup(rt, dest)
    finally:
        rt.close()
    if as_json:
        emit_json(_backup_json(result))
        return
    m = result.manifest
    typer.echo(f"backup written: {result.path} ({_mib(result.size)})")
    typer.echo(f"database: {m.database} at revision {m.alembic_revision}; "
               f"{len(m.tables)} tables, {m.total_rows} rows")  # fmt: skip
    typer.echo(f"ledger: {m.ledger_size} entries, root {m.ledger_root}")
    typer.echo(f"not in it: the key file {rt.settings.resolved_key_file}; keep that backed up "
               "offline, apart from the backups")  # fmt: skip


def _backup_json(result: BackupResult) -> dict[str, object]:
    m = result.manifest
    return {
        "path": str(result.path), "bytes": result.size, "created_at": m.created_at,
        "node_code": m.node_code, "database": m.database.value,
        "alembic_revision": m.alembic_revision, "tables": m.tables, "rows": m.total_rows,
        "ledger_size": m.ledger_size, "ledger_root": m.ledger_root,
        "sha256": m.database_file.sha256,
    }  # fmt: skip


def restore(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A file `chengxin backup` wrote")],
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace a database that holds data")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Restore a backup into the configured database (stop the node first). Refuses a damaged
    or altered file, the wrong key file, a newer schema, and a database holding data unless
    --replace. Then checks the counts against the backup and verifies the ledger."""
    rt = runtime()
    try:
        report = restore_backup(rt, file, replace=replace)
    finally:
        rt.close()
    if as_json:
        emit_json(_restore_json(report))
    else:
        _print_report(file, report)
    if not report.ok:
        raise typer.Exit(1)


def _print_report(file: Path, report: RestoreReport) -> None:
    m = report.manifest
    typer.echo(f"restored {file} (taken {m.created_at.isoformat()} on node {m.node_code}, "
               f"{m.database} at revision {m.alembic_revision})")  # fmt: skip
    if report.count_problems:
        err(f"counts: FAILED: {'; '.join(report.count_problems)}")
    else:
        typer.echo(f"counts: {len(report.counts)} tables, {sum(report.counts.values())} rows, "
                   "as in the backup")  # fmt: skip
    ledger = report.ledger
    if not ledger.ok:
        err(f"ledger: FAILED at index {ledger.first_bad_index}: {ledger.problem}")
    elif not report.ledger_matches:
        err(f"ledger: FAILED: {report.ledger_size} entries with root {report.ledger_root}, the "
            f"backup says {m.ledger_size} with root {m.ledger_root}")  # fmt: skip
    else:
        typer.echo(f"ledger: OK: {ledger.entries} entries, {ledger.checkpoints} checkpoints "
                   f"verified; root {report.ledger_root} as in the backup")  # fmt: skip
    if report.revision is RevisionState.OLDER:
        typer.echo(
            f"next: the backup's schema is at revision {m.alembic_revision}, this "
            f"chengxin's at {report.head}: run `chengxin db upgrade` before serving"
        )


def _restore_json(report: RestoreReport) -> dict[str, object]:
    m, ledger = report.manifest, report.ledger
    return {
        "ok": report.ok, "created_at": m.created_at, "node_code": m.node_code,
        "database": m.database.value, "alembic_revision": m.alembic_revision,
        "head_revision": report.head, "needs_upgrade": report.revision is RevisionState.OLDER,
        "tables": len(report.counts), "rows": sum(report.counts.values()),
        "count_problems": report.count_problems,
        "ledger": {
            "ok": ledger.ok, "entries": ledger.entries, "checkpoints": ledger.checkpoints,
            "first_bad_index": ledger.first_bad_index, "problem": ledger.problem,
            "root_hash": report.ledger_root, "matches_backup": report.ledger_matches,
        },
    }  # fmt: skip
