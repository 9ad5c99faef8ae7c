"""Evidence files: PDF, JPEG or PNG, recognised by their content (never by name or declared type),
size-limited; and `read_files`, which reads uploads for the API and the pages alike without
reading past the limit. No framework: an upload is anything with a name and a binary file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from chengxin.errors import InvalidInput, TooLarge

MAX_BYTES = 5 * 1024 * 1024
MAX_FILES = 5
MAX_NAME = 200
_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


@dataclass(frozen=True)
class Evidence:
    name: str
    media_type: str
    data: bytes


def check_file(name: str, data: bytes, field: str = "files") -> Evidence:
    """The file's real type, or a refusal naming the rule (`file-type`, `max-bytes`, `empty`)."""
    if not data:
        raise InvalidInput("is empty", field=field, rule="empty")
    if len(data) > MAX_BYTES:
        raise TooLarge(f"is larger than {MAX_BYTES} bytes", field=field, rule="max-bytes")
    for magic, media_type in _SIGNATURES:
        if data.startswith(magic):
            clean = "".join(c for c in name if c.isprintable() and c not in "/\\")[-MAX_NAME:]
            return Evidence(clean or "evidence", media_type, data)
    raise InvalidInput("must be a PDF, JPEG or PNG file", field=field, rule="file-type")


def check_files(files: list[tuple[str, bytes]], field: str = "files") -> list[Evidence]:
    if len(files) > MAX_FILES:
        raise InvalidInput(f"at most {MAX_FILES} files", field=field, rule="max-files")
    return [check_file(name, data, f"{field}[{i}]") for i, (name, data) in enumerate(files)]


class Upload(Protocol):
    """What `read_files` needs of an uploaded file (FastAPI's `UploadFile` is one)."""

    @property
    def filename(self) -> str | None: ...

    @property
    def file(self) -> BinaryIO: ...


def read_files(files: Sequence[Upload]) -> list[Evidence]:
    """The uploads checked as evidence; a file over the limit is refused as soon as its limit is
    passed, before the rest of it is read."""
    if len(files) > MAX_FILES:
        return check_files([("", b"")] * len(files))  # refuses: too many
    loaded = []
    for upload in files:
        data = upload.file.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise TooLarge(f"is larger than {MAX_BYTES} bytes", field="files", rule="max-bytes")
        loaded.append((upload.filename or "evidence", data))
    return check_files(loaded)
