"""The zip-bomb guard for XLSX uploads (R-2.2): the archive is judged before it is inflated.

First the end-of-central-directory record (classic or ZIP64) is read directly, so that an
archive announcing more than 10,000 members or an oversized directory is refused before
zipfile builds a list of them. Then every member must be stored or deflated, the declared
sizes must add up to at most the uncompressed-size limit, and each member over 1 MiB may
inflate at most `max_xlsx_ratio` times. The declared sizes can be trusted as bounds: zipfile
never inflates a member past its declared size (and then fails its CRC check).
"""

from __future__ import annotations

import os
import struct
import zipfile
from typing import BinaryIO

from chengxin.collection.readers_types import Limits, refusal

MAX_MEMBERS = 10_000
MAX_DIRECTORY_BYTES = MAX_MEMBERS * 1024  # XLSX member names are short
RATIO_CHECKED_FROM = 1024 * 1024  # small members may compress well and harmlessly
_ALLOWED_COMPRESSION = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})

# signature, disk, directory disk, entries here, entries, directory size, offset, comment size
_END = struct.Struct("<4s4H2LH")
_END_SIGNATURE = b"PK\x05\x06"
_MAX_COMMENT = 0xFFFF
# signature, directory disk, offset of the ZIP64 end record, disk count
_LOCATOR = struct.Struct("<4sLQL")
_LOCATOR_SIGNATURE = b"PK\x06\x07"
# signature, record size, versions (2), disk, directory disk, entries here, entries, size, offset
_END64 = struct.Struct("<4sQ2H2L4Q")
_END64_SIGNATURE = b"PK\x06\x06"


def check_archive(source: BinaryIO, limits: Limits) -> None:
    """Refuse what is not a ZIP, or a ZIP that would inflate beyond the limits."""
    found = directory_size(source)
    if found is not None and (found[0] > MAX_MEMBERS or found[1] > MAX_DIRECTORY_BYTES):
        raise refusal(f"the archive has more than {MAX_MEMBERS} members", "xlsx-zip-bomb")
    try:
        source.seek(0)
        with zipfile.ZipFile(source) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise refusal(
            "not a readable XLSX file (password-protected workbooks are not accepted)",
            "xlsx-broken",
        ) from None
    if len(members) > MAX_MEMBERS:  # pragma: no cover - the end record said otherwise
        raise refusal(f"the archive has more than {MAX_MEMBERS} members", "xlsx-zip-bomb")
    total = 0
    for member in members:
        if member.compress_type not in _ALLOWED_COMPRESSION:
            raise refusal("the archive uses an unsupported compression", "xlsx-broken")
        total += member.file_size
        if member.file_size > RATIO_CHECKED_FROM and (
            member.file_size > member.compress_size * limits.max_xlsx_ratio
        ):
            raise refusal(
                f"a member inflates more than {limits.max_xlsx_ratio} times", "xlsx-zip-bomb"
            )
    if total > limits.max_xlsx_uncompressed_bytes:
        raise refusal(
            f"the workbook inflates beyond {limits.max_xlsx_uncompressed_bytes} bytes",
            "xlsx-zip-bomb",
        )


def directory_size(source: BinaryIO) -> tuple[int, int] | None:
    """(members, central directory bytes) as the end records announce them; None when there
    is no end record to read (zipfile then refuses the archive itself)."""
    size = source.seek(0, os.SEEK_END)
    start = max(0, size - _END.size - _MAX_COMMENT)
    source.seek(start)
    tail = source.read()
    at = tail.rfind(_END_SIGNATURE)
    if at < 0 or at + _END.size > len(tail):
        return None
    members, directory = _END.unpack_from(tail, at)[4:6]
    if members != 0xFFFF and directory != 0xFFFFFFFF:
        return members, directory
    if at < _LOCATOR.size:
        return None
    signature, _, offset, _ = _LOCATOR.unpack_from(tail, at - _LOCATOR.size)
    if signature != _LOCATOR_SIGNATURE:
        return None
    source.seek(offset)
    record = source.read(_END64.size)
    if len(record) < _END64.size or not record.startswith(_END64_SIGNATURE):
        return None
    members64, directory64 = _END64.unpack(record)[7:9]
    return members64, directory64
