"""Helpers for the backup tests: the environment `chengxin` reads, a node on a restored database
with the source's credentials, row counts, and archives rewritten the way an attacker or a
newer chengxin would write them."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from chengxin.app import create_app
from chengxin.backups import inventory
from chengxin.backups.manifest import sign
from chengxin.backups.service import take_backup
from chengxin.keys import load_key_file
from chengxin.runtime import Runtime
from chengxin.settings import load_settings
from tests.conftest import NOW
from tests.platform import Clock, Platform, platform

CLEARED = ("CHENGXIN_DATABASE_URL", "CHENGXIN_DATABASE_URL_FILE", "CHENGXIN_KEY_FILE",
           "CHENGXIN_REGION_CODE", "CHENGXIN_NODE_CODE", "CHENGXIN_NODE_ROLE")  # fmt: skip


@dataclass(frozen=True)
class Source:
    data: Path  # the node's data folder (its key file)
    backup: Path
    counts: dict[str, int]
    records: Any  # what alice read of her records before the backup
    node: Platform  # closed; its logins and API keys


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Source:
    """A whole SQLite node (records, accounts, consents, a ledger with a checkpoint), backed up
    once into a folder: the backup is named after the node and the time."""
    tmp = tmp_path_factory.mktemp("source")
    with platform(tmp / "node", "sqlite") as p:
        records = p.call("GET", "/api/v1/me/records", "alice").json()["records"]
        p.checkpoint()
        result = take_backup(p.rt, tmp)
        counts = row_counts(p.rt.settings.resolved_database_url)
    return Source(tmp / "node", result.path, counts, records, p)


def use_node(monkeypatch: pytest.MonkeyPatch, data: Path, url: str | None = None) -> None:
    """Point `chengxin` at the node whose data folder is `data` (and database `url`)."""
    for var in CLEARED:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CHENGXIN_DATA_DIR", str(data))
    if url is not None:
        monkeypatch.setenv("CHENGXIN_DATABASE_URL", url)


def new_node_folder(path: Path, keys_from: Path) -> Path:
    """A data folder with a copy of another node's key file (as put back from offline storage)."""
    path.mkdir(parents=True)
    shutil.copy(keys_from / "keys.json", path / "keys.json")  # keeps mode 0600
    return path


def row_counts(url: str) -> dict[str, int]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return inventory.count_rows(connection)
    finally:
        engine.dispose()


def sqlite_url(data: Path) -> str:
    return f"sqlite:///{data / 'chengxin.db'}"


@contextmanager
def node_on(data: Path, url: str | None, credentials: Platform) -> Iterator[Platform]:
    """The whole node served from `data` (and `url`), with the logins and API keys of the node
    the backup came from: they are rows of the restored database."""
    env = {"CHENGXIN_DATA_DIR": str(data), "CHENGXIN_COOKIE_SECURE": "false",
           "CHENGXIN_CHECKPOINT_SECONDS": "3600"}  # fmt: skip
    if url is not None:
        env["CHENGXIN_DATABASE_URL"] = url
    clock = Clock(NOW)
    rt = Runtime(load_settings(env), clock=clock)
    try:
        with TestClient(create_app(rt)) as client:
            p = Platform(rt, client, clock, data)
            p.tokens, p.csrf = dict(credentials.tokens), dict(credentials.csrf)
            p.cookies = dict(credentials.cookies)
            yield p
    finally:
        rt.close()


def members(backup: Path) -> list[tuple[str, bytes]]:
    """The members of a backup we wrote ourselves (trusted: read plainly)."""
    with tarfile.open(backup, "r:") as tar:
        out = []
        for member in tar.getmembers():
            source = tar.extractfile(member)
            assert source is not None
            out.append((member.name, source.read()))
        return out


def write_tar(path: Path, entries: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in entries:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def regular(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def resigned(
    backup: Path, out: Path, key_folder: Path, edit: Callable[[dict[str, Any]], None]
) -> Path:
    """The backup with its manifest edited and signed again with the node's own key: what a
    newer chengxin, or a bug, could hand over, with a valid signature."""
    (_, raw), _, (name, database) = members(backup)
    body = json.loads(raw)
    edit(body)
    manifest = json.dumps(body).encode()
    ring = load_key_file(key_folder / "keys.json")
    return write_tar(out, [regular("manifest.json", manifest),
                           regular("manifest.sig", sign(manifest, ring)),
                           regular(name, database)])  # fmt: skip
