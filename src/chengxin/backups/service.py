"""Taking a backup of the node's database and restoring one into it.

take_backup: one consistent copy (SQLite's backup API; PostgreSQL's pg_dump of an exported
snapshot), its inventory read from that same copy or snapshot, a manifest signed with the node's
key, written as one tar file that never replaces another.

restore_backup: every check that can be made before touching the database first — the file,
the key file, the signature, the database kind, node and schema revision, an empty target
unless --replace — then the restore, atomically (SQLite: a checked file renamed over the old
one; PostgreSQL: one transaction that also checks the counts), then the report: counts against
the manifest and the ledger verified with the node's key.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import tempfile
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.engine import make_url

from chengxin.backups import inventory, postgres, sqlite
from chengxin.backups.archive import (
    BackupReader,
    open_backup,
    refuse_existing,
    write_archive,
    written,
)
from chengxin.backups.manifest import (
    DatabaseFile,
    DatabaseKind,
    Manifest,
    RevisionState,
    check_keys,
    count_differences,
    key_ids,
    parse_json,
    parse_keys,
    parse_manifest,
    revision_state,
    sign,
    signature_holds,
)
from chengxin.errors import ConfigError, InvalidInput
from chengxin.ledger.snapshot import read_snapshot
from chengxin.ledger.verify import VerifyReport, verify_ledger
from chengxin.runtime import Runtime

CHUNK = 1024 * 1024


def database_kind(url: str) -> DatabaseKind:
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        return DatabaseKind.SQLITE
    if backend == "postgresql":
        return DatabaseKind.POSTGRESQL
    raise ConfigError(f"{backend} databases cannot be backed up", field="CHENGXIN_DATABASE_URL",
                      rule="database-kind")  # fmt: skip


def _chengxin_version() -> str:
    try:
        return package_version("chengxin")
    except PackageNotFoundError:  # run from a source tree that was not installed
        return "unknown"


def _revisions() -> tuple[list[str], str]:
    """Every schema revision this code ships, and its head."""
    config = Config()
    config.set_main_option("script_location", "chengxin:migrations")
    script = ScriptDirectory.from_config(config)
    head = script.get_current_head()
    assert head is not None  # noqa: S101  (the package ships its migrations)
    return [s.revision for s in script.walk_revisions()], head


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --- backup -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    manifest: Manifest


def backup_path(dest: Path, node_code: str, now: dt.datetime) -> Path:
    """`dest`, or inside the folder `dest` a name of the node and the time (UTC)."""
    if dest.is_dir():
        return dest / f"chengxin-{node_code}-{now.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}.tar"
    if not dest.parent.is_dir():
        raise InvalidInput(f"{dest.parent} is not a folder", field="file", rule="folder")
    if dest.exists() or dest.is_symlink():
        raise refuse_existing(dest)
    return dest


def take_backup(rt: Runtime, dest: Path) -> BackupResult:
    """Back the node's database up into one file at `dest` (or a new file in the folder
    `dest`). Safe while the node serves: the copy is one consistent snapshot."""
    settings, ring, now = rt.settings, rt.keys, rt.clock()
    url = settings.resolved_database_url
    kind = database_kind(url)
    path = backup_path(dest, settings.resolved_node_code, now)
    with (
        written(path),
        tempfile.TemporaryDirectory(dir=path.parent, prefix=".chengxin-backup-") as work,
    ):
        part = Path(work) / kind.member_name
        if kind is DatabaseKind.SQLITE:
            sqlite.copy_online(sqlite.database_path(url), part)
            with sqlite.connect(part) as connection:
                found = inventory.take_inventory(connection)
        else:
            with postgres.snapshot_connection(url) as (connection, snapshot):
                found = inventory.take_inventory(connection)
                postgres.dump(url, snapshot, part)
        manifest = Manifest(
            created_at=now.astimezone(dt.UTC),
            chengxin_version=_chengxin_version(),
            node_code=settings.resolved_node_code,
            ledger_origin=settings.ledger_origin,
            database=kind,
            alembic_revision=found.revision,
            tables=found.tables,
            ledger_size=found.ledger_size,
            ledger_root=found.ledger_root,
            keys=key_ids(ring),
            database_file=DatabaseFile(kind.member_name, part.stat().st_size, _sha256(part)),
        )
        raw = manifest.to_bytes()
        size = write_archive(path, manifest=raw, signature=sign(raw, ring), database=part,
                             member=kind.member_name, mtime=int(now.timestamp()))  # fmt: skip
    return BackupResult(path, size, manifest)


# --- restore ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreReport:
    manifest: Manifest
    revision: RevisionState
    head: str
    counts: dict[str, int]  # the restored database's tables and rows
    count_problems: list[str]  # differences from the manifest (none once restored)
    ledger: VerifyReport
    ledger_size: int
    ledger_root: str

    @property
    def ledger_matches(self) -> bool:
        return (self.ledger_size, self.ledger_root) == (
            self.manifest.ledger_size,
            self.manifest.ledger_root,
        )

    @property
    def ok(self) -> bool:
        return not self.count_problems and self.ledger.ok and self.ledger_matches


def _check_node(manifest: Manifest, rt: Runtime, kind: DatabaseKind) -> None:
    settings = rt.settings
    if manifest.database is not kind:
        raise InvalidInput(
            f"the backup is of a {manifest.database} database, this node is configured for "
            f"{kind}: restore it into a {manifest.database} database", field="manifest.database",
            rule="database-kind",
        )  # fmt: skip
    if manifest.node_code != settings.resolved_node_code:
        raise InvalidInput(
            f"the backup is of node {manifest.node_code}, this node is "
            f"{settings.resolved_node_code}: set CHENGXIN_NODE_CODE (and the region) as on the "
            "node the backup was taken on", field="CHENGXIN_NODE_CODE", rule="node-code",
        )  # fmt: skip
    if manifest.ledger_origin != settings.ledger_origin:
        raise InvalidInput(
            f"the backup's ledger is {manifest.ledger_origin!r}, this node's "
            f"{settings.ledger_origin!r}: set CHENGXIN_REGION_CODE as on the node the backup was "
            "taken on", field="CHENGXIN_REGION_CODE", rule="ledger-origin",
        )  # fmt: skip


def _read_manifest(reader: BackupReader, rt: Runtime) -> Manifest:
    raw, signature = reader.head()
    body = parse_json(raw)
    ring = rt.keys
    check_keys(parse_keys(body), key_ids(ring), str(rt.settings.resolved_key_file))
    if not signature_holds(raw, signature, ring.public_key_raw):
        raise InvalidInput(
            "does not verify with this node's signing key: the manifest was altered",
            field="file:manifest.sig", rule="signature",
        )  # fmt: skip
    return parse_manifest(body)


def _check_counts(manifest: Manifest, connection: Connection) -> dict[str, int]:
    counts = inventory.count_rows(connection)
    problems = count_differences(manifest.tables, counts)
    if problems:
        raise InvalidInput(
            f"the restored copy differs from the manifest ({'; '.join(problems[:3])}): nothing "
            "was changed", field="manifest.tables", rule="counts",
        )  # fmt: skip
    return counts


def restore_backup(rt: Runtime, path: Path, *, replace: bool = False) -> RestoreReport:
    """Restore the backup at `path` into the node's configured database; see the module's
    docstring for the order of the checks."""
    url = rt.settings.resolved_database_url
    kind = database_kind(url)
    key_file = rt.settings.resolved_key_file
    if not key_file.exists():  # `chengxin init` would make new keys, which open nothing of it
        raise ConfigError(
            f"{key_file} does not exist: put back the key file of the node the backup was taken "
            "on, from its offline copy", field="key_file", rule="exists",
        )  # fmt: skip
    with open_backup(path) as reader:
        manifest = _read_manifest(reader, rt)
        _check_node(manifest, rt, kind)
        known, head = _revisions()
        state = revision_state(manifest.alembic_revision, known, head)
        if kind is DatabaseKind.SQLITE:
            counts = _restore_sqlite(reader, manifest, sqlite.database_path(url), replace=replace)
        else:
            counts = _restore_postgres(reader, manifest, url, replace=replace)
    with read_snapshot(url) as session:
        ledger = verify_ledger(session, rt.keys, origin=rt.settings.ledger_origin)
        size, root = inventory.ledger_root(session.connection())
    return RestoreReport(
        manifest=manifest, revision=state, head=head, counts=counts,
        count_problems=count_differences(manifest.tables, counts),
        ledger=ledger, ledger_size=size, ledger_root=root,
    )  # fmt: skip


def _restore_sqlite(
    reader: BackupReader, manifest: Manifest, target: Path, *, replace: bool
) -> dict[str, int]:
    if not replace and (found := sqlite.data_tables(target)):
        raise inventory.refuse_non_empty(found, f"the database {target}")
    if target.exists():
        sqlite.release(target)  # refused early if the node still runs; again when renaming
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with written(target.parent):
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.restore-")
    restored = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            part = manifest.database_file
            reader.copy_database(part.name, part.size, part.sha256, out)
            with written(restored):
                out.flush()
                os.fsync(out.fileno())
        with sqlite.connect(restored) as connection:
            counts = _check_counts(manifest, connection)
        sqlite.install(restored, target)
    finally:
        for leftover in (restored, Path(f"{restored}-journal")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
    return counts


def _restore_postgres(
    reader: BackupReader, manifest: Manifest, url: str, *, replace: bool
) -> dict[str, int]:
    if not replace:
        with postgres.connect(url) as connection:
            found = inventory.data_tables(connection)
        if found:
            raise inventory.refuse_non_empty(found, "the configured PostgreSQL database")
    with (
        written(f"the temporary folder {tempfile.gettempdir()}"),
        tempfile.TemporaryDirectory(prefix="chengxin-restore-") as work,
    ):
        dump = Path(work) / manifest.database_file.name
        with dump.open("wb") as out:
            part = manifest.database_file
            reader.copy_database(part.name, part.size, part.sha256, out)
        postgres.restore(url, dump, manifest.tables)
    with postgres.connect(url) as connection:
        return inventory.count_rows(connection)
