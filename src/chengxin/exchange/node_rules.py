"""What makes a node's identity well-formed (issue H): its code, role, region, base URL and
Ed25519 public key. Pure: every refusal names the field and the rule."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from enum import StrEnum
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from chengxin.errors import InvalidInput, one_of
from chengxin.identity.numbers import region_of

NODE_CODE_PATTERN = r"^[A-Z0-9][A-Z0-9_-]{1,31}$"
NATIONAL_NODE_CODE = "CN-NATIONAL"
MAX_URL_CHARS = 300
PUBLIC_KEY_BYTES = 32
_CODE = re.compile(NODE_CODE_PATTERN)


class NodeRole(StrEnum):
    """A node's place in the federation: a province's or city's platform (信用信息共享平台), or
    the national one (全国信用信息共享平台)."""

    REGIONAL = "regional"
    NATIONAL = "national"


def check_code(raw: str, field: str = "code") -> str:
    if not _CODE.match(raw):
        raise InvalidInput(
            "must be 2 to 32 capital letters, digits, '-' or '_', starting with a letter or digit",
            field=field,
            rule="node-code",
        )
    return raw


def parse_role(raw: str, field: str = "role") -> NodeRole:
    return one_of(NodeRole, raw, field=field, rule="node-role")


def check_region(raw: str, field: str = "region") -> str:
    code = raw.strip()
    if region_of(code) is None:
        raise InvalidInput(
            "must be a six-digit administrative division code (GB/T 2260) that exists",
            field=field,
            rule="region-code",
        )
    return code


def check_base_url(raw: str, field: str = "url") -> str:
    """`http(s)://host[:port]`, nothing more: requests are signed over their path as the peer's
    server sees it, so a path prefix that a proxy strips would break every signature."""
    text = raw.strip()
    rule = "base-url"
    if not text or len(text) > MAX_URL_CHARS or any(c.isspace() or ord(c) < 32 for c in text):
        raise InvalidInput(
            f"must be 1 to {MAX_URL_CHARS} characters without spaces", field=field, rule=rule
        )
    try:
        parts = urlsplit(text)
        _ = parts.port  # raises on a port that is not a number in range
    except ValueError:
        raise InvalidInput("is not a URL", field=field, rule=rule) from None
    if parts.scheme.lower() not in {"http", "https"}:
        raise InvalidInput("must start with https:// or http://", field=field, rule=rule)
    if not parts.hostname or "@" in parts.netloc:
        raise InvalidInput(
            "must name a host, without a user name or password", field=field, rule=rule
        )
    if parts.path not in {"", "/"} or parts.query or parts.fragment or text.endswith(("?", "#")):
        raise InvalidInput(
            "must be scheme://host[:port] only: no path, query or fragment", field=field, rule=rule
        )
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def parse_public_key(raw: str, field: str = "public_key") -> bytes:
    """An Ed25519 public key written in base64 (as `chengxin nodes self` prints it)."""
    try:
        key = base64.b64decode(raw.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("is not valid base64", field=field, rule="ed25519-public-key") from None
    if len(key) != PUBLIC_KEY_BYTES:
        raise InvalidInput(
            f"must be a {PUBLIC_KEY_BYTES}-byte Ed25519 public key, got {len(key)} bytes",
            field=field,
            rule="ed25519-public-key",
        )
    try:
        Ed25519PublicKey.from_public_bytes(key)
    except ValueError:
        raise InvalidInput(
            "is not an Ed25519 public key", field=field, rule="ed25519-public-key"
        ) from None
    return key


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode("ascii")


def fingerprint(key: bytes) -> str:
    """The key's SHA-256 in eight groups of eight hex digits: what two operators compare by
    telephone or in person before trusting each other's nodes."""
    digest = hashlib.sha256(key).hexdigest()
    return " ".join(digest[i : i + 8] for i in range(0, len(digest), 8))
