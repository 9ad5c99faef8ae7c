"""Signed requests and signed answers between nodes (issue H). Pure: the time is a parameter.

A request from node A to node B carries `X-Chengxin-Node` (A's code), `X-Chengxin-Date` (RFC 3339,
UTC, whole seconds), `X-Chengxin-Nonce` (random) and `X-Chengxin-Signature`: A's Ed25519 signature
over the request's canonical string — method, path with query, SHA-256 of the body, every
`X-Chengxin-*` header but the signature (so `X-Chengxin-Sequence` is covered too), and B's code, so
a request made for one node is worthless at another. B's answer carries its own signature over the
status, the request's nonce, SHA-256 of the answer's body and both codes: each side proves itself.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from chengxin.errors import Unauthenticated
from chengxin.exchange.node_rules import NODE_CODE_PATTERN

NODE = "X-Chengxin-Node"
DATE = "X-Chengxin-Date"
NONCE = "X-Chengxin-Nonce"
SIGNATURE = "X-Chengxin-Signature"
SEQUENCE = "X-Chengxin-Sequence"
PACKAGES_PATH = "/api/v1/exchange/packages"  # where a peer posts packages (both sides)
PREFIX = "x-chengxin-"
MAX_SKEW_SECONDS = 300
REQUEST_CONTEXT = "chengxin-request/1"
RESPONSE_CONTEXT = "chengxin-response/1"
SIGNATURE_BYTES = 64
MAX_HEADER_CHARS = 200
DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_CODE = re.compile(NODE_CODE_PATTERN)
_REQUIRED = (NODE, DATE, NONCE, SIGNATURE)


@dataclass(frozen=True)
class PeerHeaders:
    """The signature headers of a request, read and checked for shape (not yet verified)."""

    node: str
    date: dt.datetime
    nonce: str
    signature: bytes
    signed: Mapping[str, str]  # every X-Chengxin-* header but the signature, lower-case names


def format_date(now: dt.datetime) -> str:
    return now.astimezone(dt.UTC).strftime(DATE_FORMAT)


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def request_message(
    *, method: str, target: str, body: bytes, signed: Mapping[str, str], receiver: str
) -> bytes:
    """The exact bytes a request's signature covers. `target` is the path and query as sent."""
    lines = [REQUEST_CONTEXT, method.upper(), target, body_digest(body)]
    lines += [f"{name.lower()}:{signed[name]}" for name in sorted(signed, key=str.lower)]
    lines.append(f"to:{receiver}")
    return "\n".join(lines).encode("utf-8")


def response_message(
    *, status: int, nonce: str, body: bytes, responder: str, requester: str
) -> bytes:
    """The exact bytes an answer's signature covers."""
    lines = [
        RESPONSE_CONTEXT,
        str(status),
        nonce,
        body_digest(body),
        f"from:{responder}",
        f"to:{requester}",
    ]
    return "\n".join(lines).encode("utf-8")


def sign(key: Ed25519PrivateKey, message: bytes) -> str:
    return base64.b64encode(key.sign(message)).decode("ascii")


def verifies(public_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def decode_signature(text: str) -> bytes | None:
    """The 64 signature bytes of a base64 header value, or None if it is not one."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == SIGNATURE_BYTES else None


def _refuse(header: str, rule: str, message: str) -> Unauthenticated:
    return Unauthenticated(message, field=header, rule=rule)


def read_headers(headers: Iterable[tuple[str, str]]) -> PeerHeaders:
    """The X-Chengxin-* headers of a request, each present once and well-formed."""
    found: dict[str, str] = {}
    for name, value in headers:
        lower = name.lower()
        if not lower.startswith(PREFIX):
            continue
        canonical = "-".join(part.capitalize() for part in lower.split("-"))
        if lower in found:
            raise _refuse(canonical, "single-header", "must be sent once")
        if len(value) > MAX_HEADER_CHARS or not value.isascii() or not value.isprintable():
            raise _refuse(
                canonical,
                "header-value",
                f"must be at most {MAX_HEADER_CHARS} printable ASCII characters",
            )
        found[lower] = value
    for header in _REQUIRED:
        if header.lower() not in found:
            raise _refuse(header, "required", "is required on a node's signed request")
    node, date, nonce = found[NODE.lower()], found[DATE.lower()], found[NONCE.lower()]
    if not _CODE.match(node):
        raise _refuse(NODE, "node-code", "must be a node code (capital letters, digits, - and _)")
    parsed = _parse_date(date)
    if not _NONCE.match(nonce):
        raise _refuse(NONCE, "nonce", "must be 16 to 64 letters, digits, '-' or '_'")
    signature = decode_signature(found[SIGNATURE.lower()])
    if signature is None:
        raise _refuse(SIGNATURE, "ed25519-signature", "must be a 64-byte signature in base64")
    signed = {k: v for k, v in found.items() if k != SIGNATURE.lower()}
    return PeerHeaders(node, parsed, nonce, signature, signed)


def _parse_date(text: str) -> dt.datetime:
    if _DATE.match(text):
        try:
            return dt.datetime.strptime(text, DATE_FORMAT).replace(tzinfo=dt.UTC)
        except ValueError:
            pass
    raise _refuse(DATE, "rfc3339-utc", "must be an RFC 3339 UTC time such as 2026-11-26T02:00:00Z")


def check_skew(date: dt.datetime, now: dt.datetime, max_seconds: int = MAX_SKEW_SECONDS) -> None:
    """A request dated more than `max_seconds` from the receiver's clock is refused: it is stale
    (a replay outside the nonce window) or one of the two clocks is wrong (NTP)."""
    skew = abs((now - date).total_seconds())
    if skew > max_seconds:
        raise _refuse(
            DATE,
            "date-skew",
            f"is {skew:.0f} s away from this node's clock; at most {max_seconds} s "
            "is accepted (are both clocks synchronised by NTP?)",
        )


def nonce_kept_until(date: dt.datetime, max_seconds: int = MAX_SKEW_SECONDS) -> dt.datetime:
    """How long a used nonce must be remembered: while a request of that date is still accepted,
    with as much again for processes whose clocks differ a little."""
    return date + dt.timedelta(seconds=2 * max_seconds)
