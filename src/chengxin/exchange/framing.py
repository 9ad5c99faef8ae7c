"""The frame of a package: lines ended by LF, and the signature line that closes it (R-5.1)."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chengxin.exchange.canonical import line_bytes, parse_line
from chengxin.exchange.refusals import PackageRefused, PackageTooLarge
from chengxin.exchange.validation import check_line

if TYPE_CHECKING:
    from chengxin.exchange.packages import Limits

ALGORITHM = "Ed25519"


def split_lines(data: bytes, limits: Limits) -> tuple[list[bytes], bytes]:
    """The lines without their LF, and the bytes the signature covers (all before the last)."""
    if not data.endswith(b"\n"):
        raise PackageRefused("every line, the last included, must end with LF",
                             rule="line-feed")  # fmt: skip
    lines = data[:-1].split(b"\n")
    if len(lines) > limits.max_messages + 2:
        raise PackageTooLarge(f"more than {limits.max_messages} messages", rule="max-messages")
    for number, raw in enumerate(lines, start=1):
        if len(raw) > limits.max_line_bytes:
            raise PackageTooLarge(f"longer than {limits.max_line_bytes} bytes",
                                  rule="max-line-bytes", line=number)  # fmt: skip
        if not raw:
            raise PackageRefused("is empty", rule="blank-line", line=number)
    if len(lines) < 3:
        raise PackageRefused("a package has a header, at least one message and a signature",
                             rule="lines")  # fmt: skip
    return lines, data[: len(data) - len(lines[-1]) - 1]


def signature_line(public_key_raw: bytes, signature: bytes) -> bytes:
    return line_bytes({
        "kind": "signature",
        "algorithm": ALGORITHM,
        "key_sha256": hashlib.sha256(public_key_raw).hexdigest(),
        "value": base64.b64encode(signature).decode("ascii"),
    })  # fmt: skip


@dataclass(frozen=True)
class Signature:
    line: int
    key_sha256: str
    value: bytes

    @classmethod
    def read(cls, raw: bytes, line: int) -> Signature:
        value = parse_line(raw, line)
        if value.get("kind") != "signature":
            raise PackageRefused("the last line must be the signature",
                                 rule="signature-missing", line=line, path="$.kind")  # fmt: skip
        check_line("signature", value, line)
        return cls(line, str(value["key_sha256"]), base64.b64decode(str(value["value"])))
