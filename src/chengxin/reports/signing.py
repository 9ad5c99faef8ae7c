"""A report's verification code, content hash and signature. Pure but for the key.

The signed message is domain-separated ("chengxin-report/1"), so a report signature can never be
taken for a checkpoint or consent signature made with the same node key."""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any

from chengxin.ledger.entries import canonical_json

DOMAIN = b"chengxin-report/1\n"
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by hand
VERIFICATION_KEY = "verification"


def new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def content_hash(report: dict[str, Any]) -> str:
    """SHA-256 of the report's canonical JSON without its verification block."""
    body = {k: v for k, v in report.items() if k != VERIFICATION_KEY}
    return hashlib.sha256(canonical_json(body)).hexdigest()


def signed_message(code: str, digest: str, issued_at: str) -> bytes:
    return DOMAIN + f"{code}\n{digest}\n{issued_at}\n".encode()


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
