"""The backup file: a plain tar of exactly three regular files, in this order —
`manifest.json`, `manifest.sig` and the database part (`database.sqlite` or `database.pgdump`).

Reading never extracts by a member's name: each member must be the one expected at its place,
a regular file of a bounded size, and its bytes are copied into a file the caller opened. So a
hostile archive (`../x`, `/etc/x`, links, devices, extra members) is refused, never written.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import secrets
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from chengxin.backups.manifest import (
    MANIFEST_NAME,
    MAX_MANIFEST_BYTES,
    MAX_SIGNATURE_BYTES,
    SIGNATURE_NAME,
)
from chengxin.errors import ChengxinError, InvalidInput

CHUNK = 1024 * 1024
FIELD = "file"


class StorageFailed(ChengxinError):
    """A file could not be written (a full disk, a folder without write permission)."""

    status = 507
    title = "Insufficient storage"
    type_slug = "storage"


@contextlib.contextmanager
def written(what: object) -> Iterator[None]:
    """Turn a failed write into one line naming the file and the reason."""
    try:
        yield
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise StorageFailed(f"cannot write {what} ({reason})", field="storage",
                            rule="write") from None  # fmt: skip


# --- writing ------------------------------------------------------------------------------------


def _member(name: str, size: int, mtime: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode, info.type = size, mtime, 0o600, tarfile.REGTYPE
    return info


def write_archive(
    dest: Path, *, manifest: bytes, signature: bytes, database: Path, member: str, mtime: int
) -> int:
    """Write the backup to `dest` (mode 0600), never over an existing file: it is written beside
    `dest` under another name and linked into place whole. Its size in bytes."""
    partial = dest.with_name(f".{dest.name}.{secrets.token_hex(4)}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            with tarfile.open(fileobj=fh, mode="w", format=tarfile.PAX_FORMAT) as tar:
                tar.addfile(_member(MANIFEST_NAME, len(manifest), mtime), io.BytesIO(manifest))
                tar.addfile(_member(SIGNATURE_NAME, len(signature), mtime), io.BytesIO(signature))
                with database.open("rb") as db:
                    tar.addfile(_member(member, database.stat().st_size, mtime), db)
            fh.flush()
            os.fsync(fh.fileno())
        size = partial.stat().st_size
        _link_into_place(partial, dest)
    finally:
        partial.unlink(missing_ok=True)
    return size


def _link_into_place(partial: Path, dest: Path) -> None:
    try:
        os.link(partial, dest)  # fails if dest exists: no backup is ever overwritten
    except FileExistsError:
        raise refuse_existing(dest) from None
    except OSError:  # a file system without hard links
        if dest.exists():
            raise refuse_existing(dest) from None
        partial.replace(dest)
    _sync_folder(dest.parent)


def refuse_existing(dest: Path) -> InvalidInput:
    return InvalidInput(f"{dest} already exists; backups are never overwritten", field=FIELD,
                        rule="no-overwrite")  # fmt: skip


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system lets a folder be fsynced
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --- reading ------------------------------------------------------------------------------------


# Compressed files an operator may have made of a backup: named, so the message can say so.
_COMPRESSED = {b"\x1f\x8b": "gzip", b"\x28\xb5\x2f\xfd": "zstd", b"\xfd7zXZ\x00": "xz",
               b"BZh": "bzip2"}  # fmt: skip


@dataclass
class BackupReader:
    """An open backup, read front to back: `head()` first, then `copy_database()`."""

    tar: tarfile.TarFile
    path: Path

    def _damaged(self, exc: BaseException) -> InvalidInput:
        return InvalidInput(f"{self.path} is truncated or damaged ({exc or type(exc).__name__})",
                            field=FIELD, rule="truncated")  # fmt: skip

    def _next(self, expected: str, max_size: int | None) -> tarfile.TarInfo:
        try:
            member = self.tar.next()
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise self._damaged(exc) from None
        if member is None:
            raise InvalidInput(f"ends before {expected}: not a whole chengxin backup",
                               field=FIELD, rule="truncated")  # fmt: skip
        if member.name != expected:
            raise InvalidInput(
                f"holds {member.name[:100]!r} where {expected!r} belongs: not a chengxin backup, "
                "or altered", field=FIELD, rule="members",
            )  # fmt: skip
        if not member.isreg():
            raise InvalidInput(f"{expected} is not a regular file in the archive", field=FIELD,
                               rule="members")  # fmt: skip
        if max_size is not None and member.size > max_size:
            raise InvalidInput(f"{expected} is larger than {max_size} bytes", field=FIELD,
                               rule="size")  # fmt: skip
        return member

    def _read(self, member: tarfile.TarInfo) -> bytes:
        try:
            source = self.tar.extractfile(member)
            assert source is not None  # noqa: S101  (a regular file, checked in _next)
            data = source.read(member.size + 1)
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise self._damaged(exc) from None
        if len(data) != member.size:
            raise self._damaged(EOFError("the file ends early"))
        return data

    def head(self) -> tuple[bytes, bytes]:
        """The manifest's bytes and the signature file's bytes."""
        manifest = self._read(self._next(MANIFEST_NAME, MAX_MANIFEST_BYTES))
        signature = self._read(self._next(SIGNATURE_NAME, MAX_SIGNATURE_BYTES))
        return manifest, signature

    def copy_database(self, name: str, size: int, sha256: str, out: IO[bytes]) -> None:
        """Copy the database part into `out`, checking its size and SHA-256 against the
        manifest's, and that nothing follows it."""
        member = self._next(name, None)
        if member.size != size:
            raise InvalidInput(f"{name} holds {member.size} bytes, the manifest says {size}",
                               field=f"{FIELD}:{name}", rule="size")  # fmt: skip
        digest = hashlib.sha256()
        try:
            source = self.tar.extractfile(member)
            assert source is not None  # noqa: S101  (a regular file, checked in _next)
            copied = 0
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                with written("the restored copy"):
                    out.write(chunk)
                copied += len(chunk)
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise self._damaged(exc) from None
        if copied != size:
            raise self._damaged(EOFError("the database part ends early"))
        if digest.hexdigest() != sha256:
            raise InvalidInput(
                "does not match the SHA-256 in the signed manifest: the file was altered or "
                "damaged", field=f"{FIELD}:{name}", rule="sha256",
            )  # fmt: skip
        try:
            extra = self.tar.next()
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise self._damaged(exc) from None
        if extra is not None:
            raise InvalidInput(f"holds {extra.name[:100]!r} after {name}: not a chengxin backup, "
                               "or altered", field=FIELD, rule="members")  # fmt: skip


@contextlib.contextmanager
def open_backup(path: Path) -> Iterator[BackupReader]:
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise InvalidInput(f"{path} cannot be read ({exc.strerror or type(exc).__name__})",
                           field=FIELD, rule="file") from None  # fmt: skip
    with fh:
        if not path.is_file():
            raise InvalidInput(f"{path} is not a regular file", field=FIELD, rule="file")
        start = fh.read(8)
        fh.seek(0)
        try:
            # "r:": an uncompressed tar only; reading starts at the first header, lazily.
            tar = tarfile.open(fileobj=fh, mode="r:")  # noqa: SIM115  (closed below)
        except (tarfile.TarError, EOFError) as exc:
            raise InvalidInput(f"{path} is not a chengxin backup ({_not_tar(start, exc)})",
                               field=FIELD, rule="format") from None  # fmt: skip
        with tar:
            yield BackupReader(tar, path)


def _not_tar(start: bytes, exc: BaseException) -> str:
    if not start:
        return "it is empty"
    for magic, name in _COMPRESSED.items():
        if start.startswith(magic):
            return f"it is compressed with {name}: decompress it first"
    return f"not a tar archive: {exc}"
