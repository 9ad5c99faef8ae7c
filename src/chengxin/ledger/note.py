"""Signed checkpoints: the C2SP tlog-checkpoint body inside a C2SP signed note, with Ed25519.

A checkpoint body is three lines, origin, tree size and base64 root hash, each ending in a newline.
The signed note appends a blank line and one signature line per key,
"— <key name> <base64(key id ‖ signature)>", the dash being U+2014. The format is the one Go's
golang.org/x/mod/sumdb/note reads, so third-party tools and witnesses can check our checkpoints.

Pure: no clock, no key storage; the caller passes the keys.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

HASH_SIZE = 32
PUBLIC_KEY_SIZE = 32
SIGNATURE_SIZE = 64
ED25519 = b"\x01"  # the signed-note signature type of Ed25519
DASH = "\u2014 "  # "— ": EM DASH and a space open each signature line
MAX_SIGNATURES = 100  # Go's note.Open refuses more; so do we
_SIZE = re.compile(r"0|[1-9][0-9]*")  # ASCII digits only: int() would also take "٣", "1_0", " 1"


def _b64decode(text: str, what: str) -> bytes:
    """Strict standard base64 with padding; the re-encoding check refuses non-canonical forms."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"{what} is not standard base64") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise ValueError(f"{what} is not canonical base64")
    return raw


# --- the checkpoint body (c2sp.org/tlog-checkpoint) --------------------------------------------


def checkpoint_body(origin: str, size: int, root: bytes) -> str:
    """The checkpoint text: origin, size and root, one per line."""
    if not origin or "\n" in origin:
        raise ValueError("checkpoint origin must be non-empty and on one line")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise ValueError(f"checkpoint tree size must be an integer >= 0, got {size!r}")
    if len(root) != HASH_SIZE:
        raise ValueError(f"checkpoint root hash must be {HASH_SIZE} bytes, got {len(root)}")
    return f"{origin}\n{size}\n{base64.b64encode(root).decode('ascii')}\n"


def parse_checkpoint_body(body: str) -> tuple[str, int, bytes]:
    """(origin, size, root) from a checkpoint body; extension lines after the third are ignored."""
    if not body.endswith("\n"):
        raise ValueError("checkpoint must end with a newline")
    lines = body[:-1].split("\n")
    if len(lines) < 3:
        raise ValueError(f"checkpoint needs origin, size and root lines, got {len(lines)} line(s)")
    origin, size, root, *extensions = lines
    if not origin:
        raise ValueError("checkpoint origin line is empty")
    if not _SIZE.fullmatch(size):
        raise ValueError(f"checkpoint size {size!r} is not a decimal number without leading zeros")
    raw = _b64decode(root, "checkpoint root hash")
    if len(raw) != HASH_SIZE:
        raise ValueError(f"checkpoint root hash must be {HASH_SIZE} bytes, got {len(raw)}")
    if any(not line for line in extensions):
        raise ValueError("checkpoint extension lines must not be empty")
    return origin, int(size), raw


# --- signatures (c2sp.org/signed-note) ---------------------------------------------------------


def _check_name(name: str) -> None:
    if not name or "+" in name or any(ch.isspace() for ch in name):
        raise ValueError(f"key name {name!r} must be non-empty, without spaces or '+'")


def _public_key(public_key_raw: bytes) -> Ed25519PublicKey:
    if len(public_key_raw) != PUBLIC_KEY_SIZE:
        raise ValueError(
            f"Ed25519 public key must be {PUBLIC_KEY_SIZE} bytes, got {len(public_key_raw)}"
        )
    return Ed25519PublicKey.from_public_bytes(public_key_raw)


def key_id(name: str, public_key_raw: bytes) -> bytes:
    """The 4-byte key id: SHA-256(name ‖ "\\n" ‖ 0x01 ‖ public key)[:4], as Go's note package."""
    _check_name(name)
    _public_key(public_key_raw)
    return hashlib.sha256(name.encode("utf-8") + b"\n" + ED25519 + public_key_raw).digest()[:4]


def sign_body(body: str, private_key: Ed25519PrivateKey) -> bytes:
    """The raw 64-byte Ed25519 signature over the UTF-8 bytes of `body`."""
    return private_key.sign(body.encode("utf-8"))


def verify_body(body: str, signature: bytes, public_key_raw: bytes) -> bool:
    """Whether `signature` is the key's Ed25519 signature of `body`; a malformed key raises."""
    key = _public_key(public_key_raw)
    try:
        key.verify(signature, body.encode("utf-8"))
    except InvalidSignature:
        return False
    return True


def _check_text(body: str) -> None:
    # What Go's note.Sign accepts: non-empty, newline-terminated, no blank line (the blank line
    # is the separator before the signatures), no control characters but the newline.
    if not body.endswith("\n") or "\n\n" in body or body.startswith("\n"):
        raise ValueError("note text must be non-empty lines, each ending in a newline")
    if any(ord(ch) < 0x20 and ch != "\n" for ch in body) or "\x7f" in body:
        raise ValueError("note text must not contain control characters other than newline")


def signed_note(body: str, name: str, private_key: Ed25519PrivateKey) -> str:
    """`body`, a blank line, and the signature line of key `name`."""
    _check_text(body)
    raw_public = private_key.public_key().public_bytes_raw()
    blob = key_id(name, raw_public) + sign_body(body, private_key)
    return f"{body}\n{DASH}{name} {base64.b64encode(blob).decode('ascii')}\n"


def open_signed_note(text: str, name: str, public_key_raw: bytes) -> str:
    """The body of a signed note if it carries a valid signature by this key; else ValueError.

    Signatures by other keys are ignored. As in Go's note.Open, the first line with this key's
    name and key id decides: a bad signature there rejects the note.
    """
    wanted = key_id(name, public_key_raw)
    split = text.rfind("\n\n")
    if split < 0:
        raise ValueError("malformed note: no blank line before the signatures")
    body, block = text[: split + 1], text[split + 2 :]
    _check_text(body)
    if not block.endswith("\n"):
        raise ValueError("malformed note: the signature block must end with a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise ValueError(f"malformed note: more than {MAX_SIGNATURES} signatures")
    signatures = [_parse_signature_line(line) for line in lines]  # all well-formed, or none
    for signer, blob in signatures:
        if signer == name and blob[:4] == wanted:
            if verify_body(body, blob[4:], public_key_raw):
                return body
            raise ValueError(f"invalid signature for key {name}+{wanted.hex()}")
    raise ValueError(f"note has no signature by key {name}+{wanted.hex()}")


def _parse_signature_line(line: str) -> tuple[str, bytes]:
    if not line.startswith(DASH):
        raise ValueError(f"malformed note: signature line {line[:40]!r} does not start with '— '")
    signer, sep, encoded = line[len(DASH) :].partition(" ")
    _check_name(signer)
    blob = _b64decode(encoded, f"signature of {signer}") if sep else b""
    if len(blob) < 5:  # a 4-byte key id and at least one signature byte
        raise ValueError(f"malformed note: signature line of {signer} is too short")
    return signer, blob
