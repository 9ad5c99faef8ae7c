"""Properties of the tamper-evident log's Merkle tree (R-3.3, RFC 9162 §2.1): proofs built from
the append-only store of perfect subtrees verify for every leaf and every tree size, and a
changed leaf, index, size, root or proof is refused."""

from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st

from chengxin.ledger.merkle import (
    MemoryTree,
    leaf_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)

# Distinct entries: two equal leaves are interchangeable, so swapping their indexes is no lie.
small_logs = st.lists(st.binary(max_size=6), min_size=1, max_size=20, unique=True)
logs = st.lists(st.binary(max_size=6), min_size=1, max_size=200, unique=True)


def tree_of(entries: list[bytes]) -> MemoryTree:
    tree = MemoryTree()
    for entry in entries:
        tree.append(entry)
    return tree


def flip(h: bytes, at: int = 0) -> bytes:
    """The hash with one bit changed."""
    at %= len(h)
    return h[:at] + bytes([h[at] ^ 1]) + h[at + 1 :]


@given(small_logs)
def test_r3_3_every_leaf_of_every_tree_size_has_a_verifying_inclusion_proof(
    entries: list[bytes],
) -> None:
    """R-3.3: for each size n, the stored root is the RFC's MTH of the first n leaves and every
    leaf below n is proved in it."""
    tree = tree_of(entries)
    leaves = [leaf_hash(e) for e in entries]
    for size in range(1, len(entries) + 1):
        root = tree.root(size)
        assert root == root_of(leaves[:size])
        for index in range(size):
            proof = tree.inclusion_proof(index, size)
            assert verify_inclusion(leaves[index], index, size, proof, root)


@given(logs, st.data())
def test_r3_3_an_inclusion_proof_fails_for_anything_changed(
    entries: list[bytes], data: st.DataObject
) -> None:
    """R-3.3: the proof of leaf i in the tree of size n does not prove another leaf, another
    index, the root of another size, a changed root, or itself with a changed, missing or extra
    hash."""
    tree = tree_of(entries)
    size = data.draw(st.integers(1, len(entries)), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    leaf, root = leaf_hash(entries[index]), tree.root(size)
    proof = tree.inclusion_proof(index, size)
    assert verify_inclusion(leaf, index, size, proof, root)

    other = data.draw(st.integers(0, len(entries) - 1), label="other")
    if other != index:
        assert not verify_inclusion(leaf_hash(entries[other]), index, size, proof, root)
        if other < size:
            assert not verify_inclusion(leaf, other, size, proof, root)
    for n in range(index + 1, len(entries) + 1):
        if n != size:
            assert not verify_inclusion(leaf, index, n, proof, tree.root(n))
    assert not verify_inclusion(leaf, index, size, proof, flip(root, data.draw(st.integers())))
    if proof:
        at = data.draw(st.integers(0, len(proof) - 1), label="at")
        changed = [*proof[:at], flip(proof[at]), *proof[at + 1 :]]
        assert not verify_inclusion(leaf, index, size, changed, root)
        assert not verify_inclusion(leaf, index, size, proof[:-1], root)
    assert not verify_inclusion(leaf, index, size, [*proof, root], root)


@given(small_logs)
def test_r3_3_every_older_size_has_a_verifying_consistency_proof(entries: list[bytes]) -> None:
    """R-3.3: for every 0 < m <= n the log of n entries proves it extends the log of m."""
    tree = tree_of(entries)
    roots = [tree.root(n) for n in range(len(entries) + 1)]
    for second in range(1, len(entries) + 1):
        for first in range(1, second + 1):
            proof = tree.consistency_proof(first, second)
            assert verify_consistency(first, second, roots[first], roots[second], proof)


@given(logs, st.data())
def test_r3_3_a_consistency_proof_fails_when_anything_is_changed(
    entries: list[bytes], data: st.DataObject
) -> None:
    """R-3.3: a consistency proof does not hold for a changed old or new root, a changed,
    missing or extra hash, or between the roots of other sizes."""
    tree = tree_of(entries)
    second = data.draw(st.integers(1, len(entries)), label="second")
    first = data.draw(st.integers(1, second), label="first")
    old, new = tree.root(first), tree.root(second)
    proof = tree.consistency_proof(first, second)
    assert verify_consistency(first, second, old, new, proof)
    assert not verify_consistency(first, second, flip(old, 3), new, proof)
    if first < second:
        assert not verify_consistency(first, second, old, flip(new, 7), proof)
        at = data.draw(st.integers(0, len(proof) - 1), label="at")
        changed = [*proof[:at], flip(proof[at]), *proof[at + 1 :]]
        assert not verify_consistency(first, second, old, new, changed)
        assert not verify_consistency(first, second, old, new, proof[:-1])
    assert not verify_consistency(first, second, old, new, [*proof, new])
    other = data.draw(st.integers(1, len(entries)), label="other")
    if other != second and first <= other:
        assert not verify_consistency(first, other, old, tree.root(other), proof)


@given(logs, st.data())
def test_r3_3_a_rewritten_entry_breaks_consistency_with_every_later_checkpoint(
    entries: list[bytes], data: st.DataObject
) -> None:
    """R-3.3: if an entry below the old size is changed, the rewritten log can prove itself
    consistent with no checkpoint taken before the change (the verify command's promise)."""
    first = data.draw(st.integers(1, len(entries)), label="first")
    changed_at = data.draw(st.integers(0, first - 1), label="changed_at")
    forged = list(entries)
    forged[changed_at] = entries[changed_at] + b"!"
    assume(forged[changed_at] not in entries)
    honest, rewritten = tree_of(entries), tree_of(forged)
    old_root = honest.root(first)
    for second in range(first, len(entries) + 1):
        proof = rewritten.consistency_proof(first, second)
        assert not verify_consistency(first, second, old_root, rewritten.root(second), proof)
