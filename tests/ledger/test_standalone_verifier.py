"""R-3.3 anyone can check the ledger: docs/verify_proof.py, run as a separate program on the JSON
answers the server gives, accepts good proofs and refuses tampered ones."""

from __future__ import annotations

import ast
import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from chengxin.ledger.merkle import MemoryTree, leaf_hash
from chengxin.ledger.note import checkpoint_body, sign_body
from tests.support import load_verifier

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "verify_proof.py"
ORIGIN = "chengxin.example/ledger"


def canonical(entry: dict[str, Any]) -> bytes:
    return json.dumps(entry, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


ENTRIES = [{"kind": "record", "seq": i, "subject": f"主体{i}", "note": "诚信"} for i in range(23)]


@pytest.fixture(scope="module")
def tree() -> MemoryTree:
    tree = MemoryTree()
    for entry in ENTRIES:
        tree.append(canonical(entry))
    return tree


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def checkpoint(tree: MemoryTree, size: int, key: Ed25519PrivateKey) -> dict[str, Any]:
    root = tree.root(size)
    note = checkpoint_body(ORIGIN, size, root)
    return {
        "tree_size": size,
        "root_hash": root.hex(),
        "timestamp": "2026-11-26T02:00:00Z",
        "note": note,
        "signature": base64.b64encode(sign_body(note, key)).decode(),
    }


def public_key(key: Ed25519PrivateKey) -> dict[str, Any]:
    raw = key.public_key().public_bytes_raw()
    return {"algorithm": "ed25519", "public_key": base64.b64encode(raw).decode()}


def inclusion(tree: MemoryTree, index: int, size: int) -> dict[str, Any]:
    return {
        "leaf_index": index,
        "tree_size": size,
        "leaf_hash": tree.nodes[(0, index)].hex(),
        "audit_path": [h.hex() for h in tree.inclusion_proof(index, size)],
    }


def entry(index: int) -> dict[str, Any]:
    return {
        "index": index,
        "leaf_hash": leaf_hash(canonical(ENTRIES[index])).hex(),
        "entry": ENTRIES[index],
    }


def run(
    tmp_path: Path, *documents: Any, consistency: bool = False
) -> subprocess.CompletedProcess[str]:
    paths = []
    for i, document in enumerate(documents):
        path = tmp_path / f"{i}.json"
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        paths.append(str(path))
    flags = ["--consistency"] if consistency else []
    return subprocess.run(
        [sys.executable, str(SCRIPT), *flags, *paths],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def flip_hex(value: str) -> str:
    return ("1" if value[0] == "0" else "0") + value[1:]


def test_script_imports_only_the_standard_library_and_cryptography() -> None:
    tree = ast.parse(SCRIPT.read_text(encoding="utf-8"))
    modules = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    modules |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert {m.split(".")[0] for m in modules} <= set(sys.stdlib_module_names) | {"cryptography"}
    assert not any(m.startswith("chengxin") for m in modules)


def test_good_inclusion_proofs_pass(
    tmp_path: Path, tree: MemoryTree, key: Ed25519PrivateKey
) -> None:
    for size, index in [(23, 0), (23, 22), (23, 9), (16, 15), (1, 0)]:
        cp, pk = checkpoint(tree, size, key), public_key(key)
        result = run(tmp_path, cp, pk, inclusion(tree, index, size), entry(index))
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.startswith(f"OK leaf {index} is in the signed tree of {size} leaves")
        assert run(tmp_path, cp, pk, inclusion(tree, index, size)).returncode == 0  # without entry


def test_tampering_is_caught(tmp_path: Path, tree: MemoryTree, key: Ed25519PrivateKey) -> None:
    cp, pk, proof, good = (
        checkpoint(tree, 23, key),
        public_key(key),
        inclusion(tree, 9, 23),
        entry(9),
    )

    changed_entry = {**good, "entry": {**good["entry"], "note": "失信"}}
    result = run(tmp_path, cp, pk, proof, changed_entry)
    assert (result.returncode, result.stdout) == (
        1,
        "FAILED: the entry does not hash to the leaf hash of the proof\n",
    )

    bad_path = {
        **proof,
        "audit_path": [
            proof["audit_path"][0],
            flip_hex(proof["audit_path"][1]),
            *proof["audit_path"][2:],
        ],
    }
    result = run(tmp_path, cp, pk, bad_path)
    assert (result.returncode, result.stdout) == (
        1,
        "FAILED: the inclusion proof does not lead to the signed root\n",
    )

    other_key = public_key(Ed25519PrivateKey.generate())
    result = run(tmp_path, cp, other_key, proof)
    assert result.returncode == 1
    assert "signature does not verify" in result.stdout

    forged = {**cp, "note": cp["note"].replace("\n23\n", "\n24\n"), "tree_size": 24}
    assert run(tmp_path, forged, pk, proof).returncode == 1

    unsigned_root = {
        **cp,
        "root_hash": flip_hex(cp["root_hash"]),
    }  # the JSON field disagrees with the signed note
    result = run(tmp_path, unsigned_root, pk, proof)
    assert (result.returncode, "different trees" in result.stdout) == (1, True)

    wrong_index = {**proof, "leaf_index": 10}
    assert run(tmp_path, cp, pk, wrong_index).returncode == 1
    assert run(tmp_path, cp, pk, {**proof, "tree_size": 22}).returncode == 1
    assert run(tmp_path, cp, pk, {**proof, "audit_path": proof["audit_path"][:-1]}).returncode == 1
    assert run(tmp_path, cp, pk, proof, {**good, "index": 10}).returncode == 1
    result = run(tmp_path, cp, pk, {**proof, "audit_path": ["zz"]})
    assert (result.returncode, result.stdout.startswith("FAILED: cannot read the input")) == (
        1,
        True,
    )


def test_consistency_proofs(tmp_path: Path, tree: MemoryTree, key: Ed25519PrivateKey) -> None:
    pk = public_key(key)
    for first, second in [(1, 23), (7, 23), (16, 23), (22, 23), (23, 23), (5, 16)]:
        old, new = checkpoint(tree, first, key), checkpoint(tree, second, key)
        proof = {
            "first": first,
            "second": second,
            "proof": [h.hex() for h in tree.consistency_proof(first, second)],
        }
        result = run(tmp_path, old, new, pk, proof, consistency=True)
        assert result.returncode == 0, result.stdout + result.stderr
        assert (
            result.stdout
            == f"OK the signed tree of {second} leaves extends the signed tree of {first} leaves\n"
        )

    old, new = checkpoint(tree, 7, key), checkpoint(tree, 23, key)
    hashes = [h.hex() for h in tree.consistency_proof(7, 23)]
    tampered = {"first": 7, "second": 23, "proof": [*hashes[:-1], flip_hex(hashes[-1])]}
    result = run(tmp_path, old, new, pk, tampered, consistency=True)
    assert (result.returncode, result.stdout) == (
        1,
        "FAILED: the consistency proof does not join the two signed roots\n",
    )
    swapped = {"first": 7, "second": 23, "proof": hashes}
    assert run(tmp_path, new, old, pk, swapped, consistency=True).returncode == 1
    forged_old = {
        **old,
        "signature": checkpoint(tree, 7, Ed25519PrivateKey.generate())["signature"],
    }
    assert run(tmp_path, forged_old, new, pk, swapped, consistency=True).returncode == 1


def test_usage(tmp_path: Path) -> None:
    result = run(tmp_path, {})
    assert result.returncode == 2
    assert "verify_proof.py" in result.stderr


def test_script_algorithms_agree_with_the_prover_on_every_size() -> None:
    script = load_verifier()
    tree = MemoryTree()
    for i in range(40):
        tree.append(b"%d" % i)
    roots = [b""] + [tree.root(size) for size in range(1, 41)]
    for size in range(1, 41):
        for index in range(size):
            leaf, proof = tree.nodes[(0, index)], tree.inclusion_proof(index, size)
            assert script.verify_inclusion(index, size, leaf, proof, roots[size])
            assert not script.verify_inclusion(index ^ 1, size, leaf, proof, roots[size])
            assert not script.verify_inclusion(index, size, leaf, [*proof, leaf], roots[size])
            if proof:
                assert not script.verify_inclusion(index, size, leaf, proof[:-1], roots[size])
                assert not script.verify_inclusion(
                    index, size, leaf, [leaf, *proof[1:]], roots[size]
                )
        for first in range(1, size + 1):
            proof = tree.consistency_proof(first, size)
            assert script.verify_consistency(first, size, proof, roots[first], roots[size])
            assert not script.verify_consistency(
                first, size, [*proof, roots[1]], roots[first], roots[size]
            )
            if proof:
                assert not script.verify_consistency(
                    first, size, proof[:-1], roots[first], roots[size]
                )
                assert not script.verify_consistency(first, size, proof, roots[first], roots[1])
