"""PostgreSQL: `pg_dump --format=custom` of one exported snapshot, and its restore through
`pg_restore` into `psql --single-transaction`, so a failed restore leaves nothing behind.

The database URL's parts reach the client programs as libpq's environment variables (PGHOST,
PGPORT, PGUSER, PGDATABASE, and PGPASSWORD only when the URL carries a password): no shell, and
no password on a command line where `ps` would show it."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from chengxin.errors import ChengxinError, ConfigError

URL_FIELD = "CHENGXIN_DATABASE_URL"
# Query parameters of a URL that libpq also reads from the environment.
_QUERY_ENV = {
    "host": "PGHOST", "port": "PGPORT", "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY", "sslcrl": "PGSSLCRL",
    "connect_timeout": "PGCONNECT_TIMEOUT", "application_name": "PGAPPNAME",
    "options": "PGOPTIONS", "target_session_attrs": "PGTARGETSESSIONATTRS",
    "gssencmode": "PGGSSENCMODE", "channel_binding": "PGCHANNELBINDING",
    "service": "PGSERVICE", "passfile": "PGPASSFILE",
}  # fmt: skip
CHUNK = 1024 * 1024

# Empty the public schema (what a migrated but empty database holds, or with --replace all of
# it) in the restoring transaction. Objects of extensions stay; the restore creates the rest.
# The lock timeout: a node still running holds its tables; fail instead of waiting for ever.
EMPTY_PUBLIC = """
SET client_min_messages = warning;
SET lock_timeout = '30s';
CREATE TEMPORARY TABLE chengxin_restore_done (done boolean) ON COMMIT DROP;
DO $chengxin$
DECLARE r record;
BEGIN
  FOR r IN
    SELECT format('%I.%I', n.nspname, c.relname) AS name,
           CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                          WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE'
                          ELSE 'TABLE' END AS kind
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('DROP %s IF EXISTS %s CASCADE', r.kind, r.name);
  END LOOP;
  FOR r IN
    SELECT format('%I.%I', n.nspname, t.typname) AS name
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('DROP TYPE IF EXISTS %s CASCADE', r.name);
  END LOOP;
END
$chengxin$;
"""
# Written after pg_restore's script once pg_restore has exited cleanly; the last check needs it.
STREAM_END = b"\nINSERT INTO pg_temp.chengxin_restore_done VALUES (true);\n"


class PostgresFailed(ChengxinError):
    """pg_dump, pg_restore or psql failed; what they said is in the message."""

    status = 500
    title = "Database tool failed"
    type_slug = "database-tool"


def client_env(url: str) -> dict[str, str]:
    """The environment for libpq's programs: this process's, with the URL's parts set."""
    parsed = make_url(url)
    env = dict(os.environ)
    parts: dict[str, object] = {
        "PGHOST": parsed.host, "PGPORT": parsed.port, "PGUSER": parsed.username,
        "PGDATABASE": parsed.database,
    }  # fmt: skip
    for name, part in parts.items():
        if part is not None:
            env[name] = str(part)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    for key, value in parsed.query.items():
        var = _QUERY_ENV.get(key)
        if var is None or not isinstance(value, str):
            raise ConfigError(
                f"URL option {key!r} cannot be handed to pg_dump/psql (known: "
                f"{', '.join(sorted(_QUERY_ENV))})", field=URL_FIELD, rule="pg-option",
            )  # fmt: skip
        env[var] = value
    return env


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise ConfigError(f"{name} is not installed: install Debian's postgresql-client "
                          "(scripts/install does)", field=name, rule="installed")  # fmt: skip
    return found


def _last_lines(text_: str) -> str:
    lines = [line for line in text_.strip().splitlines() if line.strip()]
    return " / ".join(lines[-3:])[:500] or "no message"


@contextlib.contextmanager
def snapshot_connection(url: str) -> Iterator[tuple[Connection, str]]:
    """A REPEATABLE READ, READ ONLY transaction and the id of its exported snapshot: pg_dump
    given the id dumps exactly what this transaction reads."""
    engine = create_engine(url, poolclass=NullPool).execution_options(
        isolation_level="REPEATABLE READ", postgresql_readonly=True
    )
    try:
        with connect_or_refuse(engine) as connection, connection.begin():
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            yield connection, str(snapshot)
    finally:
        engine.dispose()


@contextlib.contextmanager
def connect(url: str) -> Iterator[Connection]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with connect_or_refuse(engine) as connection:
            yield connection
    finally:
        engine.dispose()


@contextlib.contextmanager
def connect_or_refuse(engine: Engine) -> Iterator[Connection]:
    try:
        connection = engine.connect()
    except OperationalError as exc:
        raise ConfigError(f"cannot connect to the database ({_last_lines(str(exc.orig))})",
                          field=URL_FIELD, rule="connect") from None  # fmt: skip
    with connection:
        yield connection


def dump(url: str, snapshot: str, out: Path) -> None:
    """`pg_dump --format=custom` of the exported snapshot into `out`."""
    command = [tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}", "--no-password",
               f"--file={out}"]  # fmt: skip
    done = subprocess.run(  # noqa: S603  (no shell; our own arguments)
        command, env=client_env(url), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise PostgresFailed(f"pg_dump failed: {_last_lines(done.stderr)}", field="pg_dump")


def count_check(tables: dict[str, int]) -> str:
    """SQL that fails the restoring transaction unless the tables and their rows are exactly the
    manifest's. Table names are checked lower-case identifiers (manifest.TABLE_NAME)."""
    checks = [
        f'  IF (SELECT count(*) FROM public."{table}") <> {rows} THEN\n'  # noqa: S608  (checked names)
        f"    RAISE EXCEPTION 'table {table}: not the % rows of the backup', {rows};\n"
        "  END IF;"
        for table, rows in sorted(tables.items())
    ]
    ended = (
        "  IF NOT EXISTS (SELECT 1 FROM pg_temp.chengxin_restore_done) THEN\n"
        "    RAISE EXCEPTION 'the restore script did not end: pg_restore failed or stopped';\n"
        "  END IF;"
    )
    same_tables = (
        "  IF (SELECT count(*) FROM pg_tables WHERE schemaname = 'public') <> "  # noqa: S608  (a number)
        f"{len(tables)} THEN\n"
        "    RAISE EXCEPTION 'the restored tables are not the backup''s';\n"
        "  END IF;"
    )
    body = "\n".join([ended, *checks, same_tables])
    return f"DO $chengxin$\nBEGIN\n{body}\nEND\n$chengxin$;"


def restore(url: str, dump_file: Path, tables: dict[str, int]) -> None:
    """Replace the public schema's contents by the dump's, in one transaction that also checks
    the counts: on any error psql rolls it back and the database is as it was.

    pg_restore's script is relayed to psql here, and only once pg_restore has exited cleanly is
    the line added that the last check looks for: a script cut short (pg_restore failing, this
    process killed and psql seeing an early end of its input) can never be committed."""
    convert = [tool("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(dump_file)]
    load = [tool("psql"), "--no-psqlrc", "--quiet", "--no-password", "--set=ON_ERROR_STOP=1",
            "--single-transaction", f"--command={EMPTY_PUBLIC}", "--file=-",
            f"--command={count_check(tables)}"]  # fmt: skip
    env = client_env(url)
    with tempfile.TemporaryFile() as convert_err, tempfile.TemporaryFile() as load_err:
        producer = subprocess.Popen(  # noqa: S603  (no shell; our own arguments)
            convert, stdout=subprocess.PIPE, stderr=convert_err, env=env
        )
        consumer = subprocess.Popen(  # noqa: S603  (as above)
            load, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=load_err, env=env
        )
        assert producer.stdout is not None  # noqa: S101
        assert consumer.stdin is not None  # noqa: S101
        complete = False
        try:
            while chunk := producer.stdout.read(CHUNK):
                consumer.stdin.write(chunk)
            complete = producer.wait() == 0
            if complete:
                consumer.stdin.write(STREAM_END)
        except BrokenPipeError:  # psql stopped at an error: it rolled back
            pass
        finally:
            if not complete:
                consumer.kill()  # before its COMMIT: the server rolls the transaction back
            with contextlib.suppress(OSError):  # BrokenPipeError: psql is gone already
                consumer.stdin.close()
            producer.kill()
            producer.wait()
            consumer.wait()
        if not complete or consumer.returncode != 0:
            said = _read(load_err) or _read(convert_err)
            raise PostgresFailed(
                f"the restore was rolled back, the database is as it was: {_last_lines(said)}",
                field="pg_restore",
            )


def _read(file: IO[bytes]) -> str:
    file.seek(0)
    return file.read(64 * 1024).decode("utf-8", "replace")
