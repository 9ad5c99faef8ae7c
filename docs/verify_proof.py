#!/usr/bin/env python3
"""Check a chengxin ledger checkpoint and a proof against it, without trusting the server's code.

  python verify_proof.py CHECKPOINT PUBLIC_KEY INCLUSION [ENTRY]
  python verify_proof.py --consistency OLD_CHECKPOINT NEW_CHECKPOINT PUBLIC_KEY CONSISTENCY

Each argument is a JSON file as the server serves it. Needs only Python 3.11 and `cryptography`.
Written apart from the server's implementation: the proof checks follow RFC 9162 §2.1.3.2 and
§2.1.4.2 step by step, so an auditor can read this file against the RFC alone.
Prints "OK ..." and exits 0, or prints "FAILED: ..." and exits 1.
"""

import base64
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class Failed(Exception):
    """A check did not pass; the message says which."""


def load(path: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return document


def number(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise Failed(f"{what} is not a whole number")
    return value


def unhex(value: object, what: str) -> bytes:
    raw = bytes.fromhex(value) if isinstance(value, str) else b""
    if len(raw) != 32:
        raise Failed(f"{what} is not a 32-byte hash in hex")
    return raw


def node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()  # RFC 9162 §2.1.1: interior node


def check_checkpoint(checkpoint: dict[str, Any], key: dict[str, Any]) -> tuple[int, bytes]:
    """The signed tree size and root hash, once the Ed25519 signature over `note` verifies."""
    if key.get("algorithm") != "ed25519":
        raise Failed("the public key is not an Ed25519 key")
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(key["public_key"], validate=True))
    note = checkpoint["note"]
    try:  # the signature covers the UTF-8 bytes of the note text, its final newline included
        public.verify(
            base64.b64decode(checkpoint["signature"], validate=True), note.encode("utf-8")
        )
    except InvalidSignature:
        raise Failed("the checkpoint's signature does not verify with this public key") from None
    # The note (C2SP tlog-checkpoint) is: origin, tree size, base64 root, each line ending in "\n".
    lines = note.split("\n")
    if len(lines) < 4 or lines[-1] != "" or not lines[1].isascii() or not lines[1].isdigit():
        raise Failed("the checkpoint note is not origin, size and root lines")
    size, root = int(lines[1]), base64.b64decode(lines[2], validate=True)
    if size != checkpoint["tree_size"] or root != unhex(checkpoint["root_hash"], "root_hash"):
        raise Failed("the signed note and tree_size/root_hash name different trees")
    return size, root


def verify_inclusion(index: int, size: int, leaf: bytes, path: list[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2, step by step."""
    if index >= size:  # 1.
        return False
    fn, sn = index, size - 1  # 2.
    r = leaf  # 3.
    for p in path:  # 4.
        if sn == 0:  # 4a.
            return False
        if fn & 1 or fn == sn:  # 4b.
            r = node(p, r)
            while not fn & 1 and fn != 0:  # if LSB(fn) is not set: shift until it is, or fn is 0
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node(r, p)
        fn, sn = fn >> 1, sn >> 1  # 4c.
    return sn == 0 and r == root  # 5.


def verify_consistency(
    first: int, second: int, path: list[bytes], first_hash: bytes, second_hash: bytes
) -> bool:
    """RFC 9162 §2.1.4.2, step by step (the RFC assumes 0 < first < second; equal sizes need
    equal roots and an empty proof)."""
    if first == 0 or first > second:
        return False
    if first == second:
        return not path and first_hash == second_hash
    if not path:  # 1.
        return False
    if first & (first - 1) == 0:  # 2. first is an exact power of 2
        path = [first_hash, *path]
    fn, sn = first - 1, second - 1  # 3.
    while fn & 1:  # 4.
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]  # 5.
    for c in path[1:]:  # 6.
        if sn == 0:  # 6a.
            return False
        if fn & 1 or fn == sn:  # 6b.
            fr, sr = node(c, fr), node(c, sr)
            while not fn & 1 and fn != 0:  # if LSB(fn) is not set: shift until it is, or fn is 0
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node(sr, c)
        fn, sn = fn >> 1, sn >> 1  # 6c.
    return fr == first_hash and sr == second_hash and sn == 0  # 7.


def inclusion(checkpoint: str, key: str, proof_file: str, entry_file: str | None = None) -> str:
    size, root = check_checkpoint(load(checkpoint), load(key))
    proof = load(proof_file)
    index = number(proof["leaf_index"], "leaf_index")
    if number(proof["tree_size"], "tree_size") != size:
        raise Failed(f"the proof is for tree size {proof['tree_size']}, the checkpoint for {size}")
    leaf = unhex(proof["leaf_hash"], "leaf_hash")
    if entry_file:  # the leaf input is the entry's canonical JSON; leaf hash = SHA-256(0x00 ‖ it)
        entry = load(entry_file)
        canonical = json.dumps(
            entry["entry"], ensure_ascii=False, sort_keys=True, separators=(",", ":")
        )
        recomputed = hashlib.sha256(b"\x00" + canonical.encode("utf-8")).digest()
        if recomputed != unhex(entry["leaf_hash"], "the entry's leaf_hash") or recomputed != leaf:
            raise Failed("the entry does not hash to the leaf hash of the proof")
        if entry["index"] != index:
            raise Failed(f"the entry is leaf {entry['index']}, the proof is for leaf {index}")
    path = [unhex(h, f"audit_path[{i}]") for i, h in enumerate(proof["audit_path"])]
    if not verify_inclusion(index, size, leaf, path, root):
        raise Failed("the inclusion proof does not lead to the signed root")
    return f"OK leaf {index} is in the signed tree of {size} leaves, root {root.hex()}"


def consistency(old: str, new: str, key_file: str, proof_file: str) -> str:
    key = load(key_file)
    first, first_root = check_checkpoint(load(old), key)
    second, second_root = check_checkpoint(load(new), key)
    proof = load(proof_file)
    if (proof["first"], proof["second"]) != (first, second):
        raise Failed(
            f"the proof is for sizes {proof['first']} -> {proof['second']}, not {first} -> {second}"
        )
    path = [unhex(h, f"proof[{i}]") for i, h in enumerate(proof["proof"])]
    if not verify_consistency(first, second, path, first_root, second_root):
        raise Failed("the consistency proof does not join the two signed roots")
    return f"OK the signed tree of {second} leaves extends the signed tree of {first} leaves"


def main(argv: list[str]) -> int:
    try:
        if len(argv) == 5 and argv[0] == "--consistency":
            message = consistency(*argv[1:])
        elif len(argv) in {3, 4} and not argv[0].startswith("-"):
            message = inclusion(*argv)
        else:
            sys.stderr.write(__doc__ or "")
            return 2
    except Failed as failure:
        sys.stdout.write(f"FAILED: {failure}\n")
        return 1
    except (OSError, ValueError, KeyError, TypeError) as error:  # unreadable or malformed input
        sys.stdout.write(f"FAILED: cannot read the input: {error!r}\n")
        return 1
    sys.stdout.write(message + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
