"""API keys for machine callers: `cxk_<prefix>_<secret>`. Pure.

The prefix identifies the key (shown in lists and logs); the secret is 256 random bits, shown
once and stored only as its SHA-256 (a slow hash adds nothing for a random secret of this size).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from chengxin.errors import InvalidInput

_TOKEN = re.compile(r"^cxk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class NewKey:
    token: str  # give to the caller once
    prefix: str
    secret_hash: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def new_key() -> NewKey:
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return NewKey(f"cxk_{prefix}_{secret}", prefix, hash_secret(secret))


def parse_token(token: str) -> tuple[str, str]:
    """(prefix, secret) of a well-formed token; InvalidInput otherwise (without echoing it)."""
    found = _TOKEN.match(token.strip())
    if found is None:
        raise InvalidInput("is not a chengxin API key", field="api_key", rule="format")
    return found.group(1), found.group(2)


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)
