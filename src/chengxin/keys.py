"""The node's key file: a versioned data-key ring, a blind-index key and an Ed25519 signing key.

Keys live only in this file (mode 0600), never in the database or the logs. Ciphertexts carry the
data-key version that sealed them, so rotation leaves old rows readable until `keys reencrypt`
moves them to the newest version.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from chengxin.errors import ChengxinError, ConfigError

FORMAT = "chengxin-keys/1"
TOKEN_MAGIC = 1
NONCE_BYTES = 12
HEADER_BYTES = 1 + 4 + NONCE_BYTES
MAX_KEY_FILE_BYTES = 1024 * 1024


class DecryptionError(ChengxinError):
    """A ciphertext that does not open: wrong row/column binding, unknown key, or tampering."""

    status = 500
    title = "Decryption failed"
    type_slug = "decryption"


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: Any, what: str) -> bytes:
    if not isinstance(text, str):
        raise ConfigError("must be a base64 string", field=what)
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        raise ConfigError("is not valid base64", field=what) from None


@dataclass(frozen=True)
class DataKey:
    version: int
    key: bytes
    created_at: str


@dataclass(frozen=True)
class KeyRing:
    data_keys: tuple[DataKey, ...]
    blind_index_key: bytes
    signing_key_raw: bytes
    created_at: str

    # --- data encryption -------------------------------------------------------------------

    @property
    def current_version(self) -> int:
        return max(k.version for k in self.data_keys)

    def _key(self, version: int) -> bytes:
        for k in self.data_keys:
            if k.version == version:
                return k.key
        raise DecryptionError(f"data key version {version} is not in the key file")

    def encrypt(self, plaintext: str, associated_data: bytes) -> bytes:
        """Seal text with the newest data key; `associated_data` binds it to its row and column."""
        version = self.current_version
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = AESGCM(self._key(version)).encrypt(
            nonce, plaintext.encode("utf-8"), associated_data
        )
        return bytes([TOKEN_MAGIC]) + version.to_bytes(4, "big") + nonce + sealed

    def decrypt(self, token: bytes, associated_data: bytes) -> str:
        if len(token) <= HEADER_BYTES or token[0] != TOKEN_MAGIC:
            raise DecryptionError("ciphertext is malformed")
        version = int.from_bytes(token[1:5], "big")
        nonce = token[5:HEADER_BYTES]
        try:
            plain = AESGCM(self._key(version)).decrypt(nonce, token[HEADER_BYTES:], associated_data)
        except InvalidTag:
            raise DecryptionError(
                "ciphertext does not open for this row and column (tampered or moved)"
            ) from None
        return plain.decode("utf-8")

    @staticmethod
    def token_version(token: bytes) -> int:
        return int.from_bytes(token[1:5], "big")

    # --- blind index -----------------------------------------------------------------------

    def blind_index(self, domain: str, value: str) -> str:
        """Keyed, stable lookup hash: equal values give equal indexes, nothing else is revealed."""
        mac = hmac.new(self.blind_index_key, digestmod=hashlib.sha256)
        mac.update(domain.encode("utf-8") + b"\x00" + value.encode("utf-8"))
        return mac.hexdigest()

    # --- signing ---------------------------------------------------------------------------

    @property
    def signing_key(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.signing_key_raw)

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.signing_key.public_key()

    @property
    def public_key_raw(self) -> bytes:
        return self.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def public_key_b64(self) -> str:
        return _b64(self.public_key_raw)

    def sign(self, message: bytes) -> bytes:
        return self.signing_key.sign(message)

    # --- serialisation ---------------------------------------------------------------------

    def to_json(self) -> str:
        body = {
            "format": FORMAT,
            "created_at": self.created_at,
            "data_keys": [
                {"version": k.version, "key": _b64(k.key), "created_at": k.created_at}
                for k in self.data_keys
            ],
            "blind_index_key": _b64(self.blind_index_key),
            "signing_key": _b64(self.signing_key_raw),
        }
        return json.dumps(body, indent=2) + "\n"

    def with_new_data_key(self, now: dt.datetime) -> KeyRing:
        new = DataKey(self.current_version + 1, AESGCM.generate_key(256), now.isoformat())
        return KeyRing(
            (*self.data_keys, new), self.blind_index_key, self.signing_key_raw, self.created_at
        )


def new_key_ring(now: dt.datetime) -> KeyRing:
    return KeyRing(
        data_keys=(DataKey(1, AESGCM.generate_key(256), now.isoformat()),),
        blind_index_key=secrets.token_bytes(32),
        signing_key_raw=secrets.token_bytes(32),
        created_at=now.isoformat(),
    )


def parse_key_ring(text: str) -> KeyRing:
    """Parse and check a key file's JSON; errors name the field."""
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"key file is not JSON (line {exc.lineno})", field="key_file") from None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise ConfigError(f"key file format must be {FORMAT!r}", field="format")
    entries = body.get("data_keys")
    if not isinstance(entries, list) or not entries:
        raise ConfigError("must list at least one data key", field="data_keys")
    keys: list[DataKey] = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("version"), int):
            raise ConfigError("each data key needs an integer version", field=f"data_keys[{i}]")
        raw = _unb64(entry.get("key"), f"data_keys[{i}].key")
        if len(raw) != 32:
            raise ConfigError("must be a 256-bit key", field=f"data_keys[{i}].key")
        keys.append(DataKey(entry["version"], raw, str(entry.get("created_at", ""))))
    if len({k.version for k in keys}) != len(keys):
        raise ConfigError("data key versions must be unique", field="data_keys")
    blind = _unb64(body.get("blind_index_key"), "blind_index_key")
    signing = _unb64(body.get("signing_key"), "signing_key")
    if len(blind) != 32:
        raise ConfigError("must be 32 bytes", field="blind_index_key")
    if len(signing) != 32:
        raise ConfigError("must be a 32-byte Ed25519 seed", field="signing_key")
    return KeyRing(tuple(keys), blind, signing, str(body.get("created_at", "")))


def create_key_file(path: Path, now: dt.datetime) -> KeyRing:
    """Write a new key file with mode 0600; refuse to touch an existing one."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    ring = new_key_ring(now)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ConfigError(
            f"{path} already exists; refusing to overwrite keys "
            "(data sealed with them would be lost)",
            field="key_file",
            rule="no-overwrite",
        ) from None
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(ring.to_json())
        fh.flush()
        os.fsync(fh.fileno())
    return ring


def load_key_file(path: Path) -> KeyRing:
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ConfigError(
            f"{path} does not exist; run `chengxin init` first", field="key_file"
        ) from None
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            f"{path} is readable by others (mode {stat.S_IMODE(info.st_mode):o}); chmod 600 it",
            field="key_file",
            rule="mode-0600",
        )
    if info.st_size > MAX_KEY_FILE_BYTES:
        raise ConfigError("key file is implausibly large", field="key_file")
    return parse_key_ring(path.read_text(encoding="utf-8"))


def save_key_file(path: Path, ring: KeyRing) -> None:
    """Atomically replace the key file (used by rotation), keeping mode 0600."""
    tmp = path.with_name(path.name + ".tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(ring.to_json())
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)
