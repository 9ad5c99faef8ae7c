"""The `chengxin` command: set-up, keys, database and each domain's commands.

Refusals print one line `error: field: reason` on stderr and exit with status 2.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from chengxin.access.cli import accounts_app
from chengxin.agencies.cli import agencies_app
from chengxin.backups.cli import backup, restore
from chengxin.catalog.cli import app as catalog_app
from chengxin.cli_support import database_failure, emit_json, err, runtime
from chengxin.collection.cli import batches_app, ingest, sources_app
from chengxin.collection.quality_cli import quality_app
from chengxin.commitments.cli import commitments_app
from chengxin.consents.cli import consents_app
from chengxin.demo.cli import demo
from chengxin.disputes.cli import disputes_app
from chengxin.errors import ChengxinError
from chengxin.exchange.cli import exchange_app, nodes_app
from chengxin.identity.cli import id_app, identity_app, uscc_app
from chengxin.jobs.cli import jobs_app
from chengxin.keys import create_key_file, load_key_file, save_key_file
from chengxin.ledger.cli import ledger_app
from chengxin.lists.cli import lists_app
from chengxin.measures.cli import measures_app
from chengxin.notifications.cli import notifications_app
from chengxin.queries.cli import queries_app
from chengxin.records.cli import records_app
from chengxin.requesters.cli import requesters_app
from chengxin.scoring.cli import score_app
from chengxin.sealed import reencrypt_all
from chengxin.tipoffs.cli import tipoffs_app
from chengxin.workdays.cli import workdays_app

app = typer.Typer(
    name="chengxin",
    help="诚信 chengxin — personal public credit information platform.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
keys_app = typer.Typer(
    help="Key file: data-key ring, blind-index key, signing key.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema migrations and layout.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(db_app, name="db")
app.add_typer(catalog_app, name="catalog")
app.add_typer(id_app, name="id")
app.add_typer(uscc_app, name="uscc")
app.add_typer(identity_app, name="identity")
app.add_typer(sources_app, name="sources")
app.add_typer(batches_app, name="batches")
app.add_typer(records_app, name="records")
app.add_typer(quality_app, name="quality")
app.add_typer(accounts_app, name="accounts")
app.add_typer(queries_app, name="queries")
app.add_typer(ledger_app, name="ledger")
app.add_typer(jobs_app, name="jobs")
app.add_typer(disputes_app, name="disputes")
app.add_typer(lists_app, name="lists")
app.add_typer(measures_app, name="measures")
app.add_typer(requesters_app, name="requesters")
app.add_typer(consents_app, name="consents")
app.add_typer(notifications_app, name="notifications")
app.add_typer(workdays_app, name="workdays")
app.add_typer(score_app, name="score")
app.add_typer(exchange_app, name="exchange")
app.add_typer(nodes_app, name="nodes")
app.add_typer(commitments_app, name="commitments")
app.add_typer(tipoffs_app, name="tipoffs")
app.add_typer(agencies_app, name="agencies")
app.command()(demo)
app.command()(ingest)
app.command()(backup)
app.command()(restore)


@app.command()
def init() -> None:
    """Create the data folder and a new key file (mode 0600); never overwrites one."""
    rt = runtime()
    path = rt.settings.resolved_key_file
    ring = create_key_file(path, rt.clock())
    typer.echo(f"key file created: {path}")
    typer.echo(f"node public key (Ed25519): {ring.public_key_b64}")
    typer.echo("Back this file up offline: data sealed with it cannot be read without it.")


@keys_app.command("show")
def keys_show(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show key versions and the public key (never the secret keys)."""
    rt = runtime()
    ring = rt.keys
    info = {
        "key_file": str(rt.settings.resolved_key_file),
        "data_key_versions": [k.version for k in ring.data_keys],
        "current_version": ring.current_version,
        "public_key": ring.public_key_b64,
    }
    if as_json:
        emit_json(info)
        return
    for k, v in info.items():
        typer.echo(f"{k}: {v}")


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Add a new data-key version; new values are sealed with it, old ones still open."""
    rt = runtime()
    path = rt.settings.resolved_key_file
    ring = load_key_file(path).with_new_data_key(rt.clock())
    save_key_file(path, ring)
    typer.echo(f"data key version {ring.current_version} added; run `chengxin keys reencrypt`")


@keys_app.command("reencrypt")
def keys_reencrypt() -> None:
    """Re-seal every encrypted value with the newest data key (safe to run again)."""
    rt = runtime()
    counts = reencrypt_all(rt.sessions, rt.keys)
    for column, n in counts.items():
        typer.echo(f"{column}: {n} re-sealed")
    typer.echo(f"all sealed values are on data key version {rt.keys.current_version}")


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from chengxin import migrate  # noqa: PLC0415  (Alembic loads only when needed)

    rt = runtime()
    migrate.upgrade(rt.engine, revision)
    typer.echo(f"database at revision {migrate.current_revision(rt.engine)}")


@db_app.command("current")
def db_current() -> None:
    """Print the database's revision and the newest one shipped."""
    from chengxin import migrate  # noqa: PLC0415

    rt = runtime()
    typer.echo(f"current: {migrate.current_revision(rt.engine)}")
    typer.echo(f"head:    {migrate.head_revision(rt.engine)}")


@db_app.command("partition")
def db_partition(
    partitions: Annotated[
        int, typer.Option(help="Hash partitions per table (2–1024); about one per 5–10 GB")
    ] = 16,
) -> None:
    """Hash-partition records and record_versions by subject key (PostgreSQL, a new node
    before it stores records; docs/performance.md "Scale")."""
    from chengxin.partitioning.service import partition_tables  # noqa: PLC0415

    rt = runtime()
    report = partition_tables(rt.engine, partitions)
    for table in report.tables:
        typer.echo(f"{table}: {report.partitions} hash partitions by subject_id")
    for key in report.dropped:
        typer.echo(f"dropped foreign key {key.table}.{key.name} (points at {key.references})")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Default: CHENGXIN_HOST")] = None,
    port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="Default: CHENGXIN_PORT")
    ] = None,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Server processes (each with its own pool)")
    ] = 1,
) -> None:
    """Serve the web pages and the API, and run the periodic jobs (expiry, deadlines); with
    --workers N, N processes serve one port and this one keeps the jobs, checkpoints and e-mail."""
    import uvicorn  # noqa: PLC0415

    from chengxin.app import create_app  # noqa: PLC0415
    from chengxin.jobs.runner import JobsThread  # noqa: PLC0415
    from chengxin.ledger.checkpointer import Checkpointer  # noqa: PLC0415
    from chengxin.logs import configure_logging  # noqa: PLC0415
    from chengxin.notifications.delivery import DeliveryThread  # noqa: PLC0415
    from chengxin.serving import share_metrics  # noqa: PLC0415

    rt = runtime()
    configure_logging(rt.settings.log_level, as_json=rt.settings.log_json)
    application = create_app(rt)  # also fails now, not in a worker, on unusable settings
    threads: list[Checkpointer | DeliveryThread | JobsThread] = []
    if rt.settings.run_jobs:  # of several processes, one
        threads.append(JobsThread(rt))
    if workers > 1:  # checkpoints and e-mail here, in the supervisor; the workers only serve
        share_metrics(rt.settings)
        threads += [Checkpointer(rt), DeliveryThread(rt)]
    for thread in threads:
        thread.start()
    address, number = host or rt.settings.host, port or rt.settings.port
    try:
        if workers == 1:
            uvicorn.run(application, host=address, port=number, log_config=None,
                        server_header=False)  # fmt: skip
        else:
            # A worker loads keys, catalog and measures before it answers the supervisor's
            # pings: on a busy machine that takes longer than uvicorn's 5 s default.
            uvicorn.run("chengxin.serving:worker_app", factory=True, workers=workers,
                        host=address, port=number, log_config=None, server_header=False,
                        timeout_worker_healthcheck=60)  # fmt: skip
    finally:
        for thread in reversed(threads):
            thread.stop()


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the command and turn refusals into one line and exit status 2, and a
    failure of the database (full, unreachable) into one line naming it and exit status 1.

    Typer itself answers usage errors (unknown option, bad value) naming the option, status 2.
    """
    try:
        app(args=argv, prog_name="chengxin")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except ChengxinError as exc:
        err(f"error: {exc}")
        return 2
    except (DBAPIError, PoolTimeout) as exc:  # a full disk, a lost database: not a bug
        line = database_failure(exc)
        if line is None:
            raise
        err(line)  # one line, not a traceback (which could quote the statement's values)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
