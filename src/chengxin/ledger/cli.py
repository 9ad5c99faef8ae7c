"""`chengxin ledger …`: status, sign a checkpoint, verify the whole log, verify a proof offline."""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from pathlib import Path
from typing import Annotated, Any

import typer

from chengxin.cli_support import emit_json, err, runtime
from chengxin.errors import InvalidInput
from chengxin.ledger import merkle, note, service
from chengxin.ledger.entries import canonical_json
from chengxin.ledger.verify import read_snapshot, verify_ledger

ledger_app = typer.Typer(help="The tamper-evident ledger (R-3.3).", no_args_is_help=True)
MAX_PROOF_FILE = 1024 * 1024
MAX_PROOF_HASHES = 128  # a proof has at most 2·64 hashes, even for a 2^63-leaf tree
_HEX_HASH = re.compile(r"[0-9a-f]{64}")


@ledger_app.command("status")
def status(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Tree size and the latest signed checkpoint."""
    rt = runtime()
    with rt.reads() as session:
        cp = service.latest_checkpoint(session)
        info = {
            "tree_size": service.size(session),
            "checkpoint_size": cp.tree_size if cp else None,
            "checkpoint_root": cp.root_hash if cp else None,
            "checkpoint_time": cp.timestamp.isoformat() if cp else None,
        }
    if as_json:
        emit_json(info)
        return
    for key, value in info.items():
        typer.echo(f"{key}: {value}")


@ledger_app.command("checkpoint")
def checkpoint() -> None:
    """Sign a checkpoint of the current tree now (the server does this every few seconds)."""
    rt = runtime()
    with rt.sessions() as session, session.begin():
        cp = service.sign_checkpoint(session, rt.keys, rt.clock(), origin=rt.settings.ledger_origin)
    typer.echo(f"checkpoint: {cp.tree_size} {cp.root_hash}" if cp else "the ledger is empty")


@ledger_app.command("verify")
def verify(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Recompute the tree from every stored entry and check every checkpoint. Exit 1 and the
    first bad index if anything was changed, removed, moved or truncated."""
    rt = runtime()
    with read_snapshot(rt.settings.resolved_database_url) as session:
        report = verify_ledger(session, rt.keys, origin=rt.settings.ledger_origin)
    if as_json:
        emit_json({
            "ok": report.ok, "entries": report.entries, "checkpoints": report.checkpoints,
            "first_bad_index": report.first_bad_index, "problem": report.problem,
        })  # fmt: skip
    elif report.ok:
        typer.echo(f"OK: {report.entries} entries, {report.checkpoints} checkpoints verified")
    else:
        err(f"FAILED at index {report.first_bad_index}: {report.problem}")
    if not report.ok:
        raise typer.Exit(1)


# --- verify-proof: the files an outsider fetched, checked offline --------------------------------
# Input that is not what the server serves (unreadable, not JSON, wrong shape) is refused as
# InvalidInput: one line `error: field: …`, exit 2. Well-formed input that does not check out (a
# signature, a proof, an entry hash) is a verification failure: `FAILED: …`, exit 1.


class _Failed(Exception):
    """Well-formed input that does not verify."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999: JSON, but no canonical form to hash
        raise ValueError(f"{text} is out of range")
    return value


def _load(path: Path, what: str) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:  # read a bounded amount: the path may be a pipe or a device
            raw = fh.read(MAX_PROOF_FILE + 1)
    except OSError as exc:
        raise InvalidInput(f"cannot be read ({exc.strerror or type(exc).__name__})",
                           field=what, rule="file") from None  # fmt: skip
    if len(raw) > MAX_PROOF_FILE:
        raise InvalidInput(f"is larger than {MAX_PROOF_FILE} bytes", field=what, rule="size")
    try:
        value = json.loads(
            raw.decode("utf-8"), parse_constant=_reject_constant, parse_float=_finite
        )
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        reason = "not UTF-8" if isinstance(exc, UnicodeDecodeError) else "not JSON"
        raise InvalidInput(f"cannot be read as JSON ({reason})", field=what, rule="json") from None
    if not isinstance(value, dict):
        raise InvalidInput("must be a JSON object", field=what, rule="type")
    return value


def _hex(value: Any, what: str) -> bytes:
    if not isinstance(value, str) or not _HEX_HASH.fullmatch(value):
        raise InvalidInput("must be 64 lower-case hex digits", field=what, rule="hash")
    return bytes.fromhex(value)


def _hashes(value: Any, what: str) -> list[bytes]:
    if not isinstance(value, list) or len(value) > MAX_PROOF_HASHES:
        raise InvalidInput(f"must be a list of at most {MAX_PROOF_HASHES} hashes", field=what,
                           rule="type")  # fmt: skip
    return [_hex(h, f"{what}[{i}]") for i, h in enumerate(value)]


def _int(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidInput("must be a whole number, 0 or more", field=what, rule="type")
    return value


def _b64(value: Any, what: str) -> bytes:
    try:
        if not isinstance(value, str):
            raise ValueError(what)
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("must be a base64 string", field=what, rule="base64") from None


def _public_key(path: Path) -> bytes:
    key = _load(path, "public_key")
    if key.get("algorithm") != "ed25519":
        raise InvalidInput("must be ed25519", field="public_key.algorithm", rule="ed25519")
    public = _b64(key.get("public_key"), "public_key.public_key")
    if len(public) != note.PUBLIC_KEY_SIZE:
        raise InvalidInput("must be a raw 32-byte Ed25519 key", field="public_key.public_key",
                           rule="ed25519")  # fmt: skip
    return public


def _checkpoint(path: Path, public_key: bytes, what: str) -> tuple[int, bytes]:
    """The signed (size, root) of a checkpoint file, once its signature verifies."""
    cp = _load(path, what)
    body = cp.get("note")
    if not isinstance(body, str):
        raise InvalidInput("must be the checkpoint text", field=f"{what}.note", rule="type")
    signature = _b64(cp.get("signature"), f"{what}.signature")
    tree_size = _int(cp.get("tree_size"), f"{what}.tree_size")
    root_hash = _hex(cp.get("root_hash"), f"{what}.root_hash")
    if len(signature) != note.SIGNATURE_SIZE or not note.verify_body(body, signature, public_key):
        raise _Failed(f"{what}: the signature does not verify with this public key")
    try:
        _origin, size, root = note.parse_checkpoint_body(body)
    except ValueError as exc:
        raise _Failed(f"{what}: the signed note is not a checkpoint ({exc})") from None
    if size != tree_size or root != root_hash:
        raise _Failed(f"{what}: tree_size/root_hash differ from the signed note")
    return size, root


@ledger_app.command("verify-proof")
def verify_proof(
    *,
    checkpoint_file: Annotated[Path, typer.Option("--checkpoint", help="GET …/ledger/checkpoint")],
    key_file: Annotated[Path, typer.Option("--public-key", help="GET …/ledger/public-key")],
    inclusion: Annotated[Path | None, typer.Option(help="GET …/proof/inclusion")] = None,
    entry: Annotated[Path | None, typer.Option(help="GET …/entries/{i} (checks the entry)")] = None,
    consistency: Annotated[Path | None, typer.Option(help="GET …/proof/consistency")] = None,
    old_checkpoint: Annotated[Path | None, typer.Option(help="The earlier checkpoint")] = None,
) -> None:
    """Check a proof offline against a signed checkpoint (what an auditor or citizen runs).
    Exit 0 if it holds, 1 if it does not, 2 if a file is not what the server serves."""
    if (inclusion is None) == (consistency is None):
        raise InvalidInput("give --inclusion or --consistency", field="proof", rule="one-of")
    if consistency is not None and old_checkpoint is None:
        raise InvalidInput("is needed with --consistency", field="old_checkpoint", rule="required")
    public = _public_key(key_file)
    try:
        size, root = _checkpoint(checkpoint_file, public, "checkpoint")
        if inclusion is not None:
            message = _inclusion(inclusion, entry, size, root)
        else:
            assert consistency is not None  # noqa: S101  (checked above)
            assert old_checkpoint is not None  # noqa: S101
            old_size, old_root = _checkpoint(old_checkpoint, public, "old_checkpoint")
            message = _consistency(consistency, old_size, old_root, size, root)
    except _Failed as failed:
        err(f"FAILED: {failed}")
        raise typer.Exit(1) from None
    typer.echo(f"OK: {message}")


def _inclusion(path: Path, entry_path: Path | None, size: int, root: bytes) -> str:
    proof = _load(path, "inclusion")
    leaf = _hex(proof.get("leaf_hash"), "inclusion.leaf_hash")
    index = _int(proof.get("leaf_index"), "inclusion.leaf_index")
    if _int(proof.get("tree_size"), "inclusion.tree_size") != size:
        raise InvalidInput(f"is not the checkpoint's size {size}", field="inclusion.tree_size",
                           rule="checkpoint-size")  # fmt: skip
    audit_path = _hashes(proof.get("audit_path"), "inclusion.audit_path")
    if entry_path is not None:
        given = _load(entry_path, "entry")
        if _int(given.get("index"), "entry.index") != index:
            raise InvalidInput(f"is not the proof's leaf_index {index}", field="entry.index",
                               rule="leaf-index")  # fmt: skip
        body = given.get("entry")
        if not isinstance(body, dict):
            raise InvalidInput("must be a JSON object", field="entry.entry", rule="type")
        if merkle.leaf_hash(canonical_json(body)) != leaf:
            raise _Failed(f"entry {index} does not hash to the proof's leaf_hash")
    if not merkle.verify_inclusion(leaf, index, size, audit_path, root):
        raise _Failed(f"entry {index} is not in the signed tree of size {size}")
    return f"entry {index} is in the signed tree of size {size}"


def _consistency(path: Path, old_size: int, old_root: bytes, size: int, root: bytes) -> str:
    proof = _load(path, "consistency")
    first = _int(proof.get("first"), "consistency.first")
    second = _int(proof.get("second"), "consistency.second")
    hashes = _hashes(proof.get("proof"), "consistency.proof")
    if (first, second) != (old_size, size):
        raise InvalidInput(f"first/second must be the checkpoints' sizes {old_size} and {size}",
                           field="consistency", rule="checkpoint-size")  # fmt: skip
    if not merkle.verify_consistency(old_size, size, old_root, root, hashes):
        raise _Failed(f"the tree of size {size} does not extend the tree of size {old_size}")
    return f"the tree of size {size} extends the tree of size {old_size}"
