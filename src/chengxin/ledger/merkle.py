"""RFC 9162 Merkle tree hashing, proofs and proof verification, over a store of perfect subtrees.

The store holds, for every leaf, its leaf hash at node (0, index), and for every perfect subtree
that is complete, its hash at node (level, index): the hash of leaves
[index * 2**level, (index + 1) * 2**level). Such a node never changes once written, so the store is
append-only, and every proof, for the current tree size or an older one, is assembled from
O(log n) of those nodes, fetched in one round trip (`needed_nodes`).

Pure: standard library only, no I/O. Hashes are 32-byte `bytes`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

Node = tuple[int, int]  # (level, index): leaves [index * 2**level, (index + 1) * 2**level)
Fetch = Callable[[set[Node]], Mapping[Node, bytes]]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # MTH({}) in RFC 9162 §2.1.1


def leaf_hash(entry: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 ‖ d): the leaf prefix keeps leaves and nodes apart."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 ‖ left ‖ right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1): where RFC 9162 splits n leaves."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH of a list of leaf hashes, by the RFC's recursive definition (the reference)."""
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hashes[0]
    k = _split(n)
    return node_hash(root_of(leaf_hashes[:k]), root_of(leaf_hashes[k:]))


# --- appending ---------------------------------------------------------------------------------


def completed_nodes(leaf_index: int) -> list[Node]:
    """The perfect subtrees (level >= 1) that appending leaf `leaf_index` completes, bottom-up."""
    if leaf_index < 0:
        raise ValueError(f"leaf_index must be >= 0, got {leaf_index}")
    count = leaf_index + 1
    nodes: list[Node] = []
    level = 1
    while count % (1 << level) == 0:  # one node per trailing 1-bit of leaf_index
        nodes.append((level, (count >> level) - 1))
        level += 1
    return nodes


def append_hashes(
    leaf_index: int, new_leaf: bytes, lookup: Callable[[Node], bytes]
) -> list[tuple[Node, bytes]]:
    """The hashes of `completed_nodes(leaf_index)`, given the new leaf's hash.

    `lookup` returns stored nodes: it is asked only for left siblings, starting with the previous
    leaf hash at level 0. The caller stores (0, leaf_index) -> new_leaf itself. For a batch, keep
    a dict of the leaf hashes and nodes computed so far and let `lookup` try it before the store.
    """
    h = new_leaf
    out: list[tuple[Node, bytes]] = []
    for level, index in completed_nodes(leaf_index):
        h = node_hash(lookup((level - 1, 2 * index)), h)
        out.append(((level, index), h))
    return out


# --- ranges and the nodes that cover them ------------------------------------------------------


def blocks(start: int, end: int) -> list[Node]:
    """Leaves [start, end) as maximal aligned perfect subtrees, left to right."""
    if not 0 <= start <= end:
        raise ValueError(f"bad leaf range [{start}, {end})")
    out: list[Node] = []
    while start < end:
        # The block is limited by the alignment of start and by what is left of the range.
        level = (end - start).bit_length() - 1
        if start:
            level = min(level, (start & -start).bit_length() - 1)
        out.append((level, start >> level))
        start += 1 << level
    return out


def _check_aligned(start: int, end: int) -> None:
    # Folding the blocks equals the RFC's split only if the split point start + k is a block
    # boundary, i.e. start is a multiple of k. Every range a proof uses is of that kind.
    n = end - start
    if n <= 0 or (n > 1 and start % _split(n)):
        raise ValueError(f"leaf range [{start}, {end}) is empty or not a subtree of any tree")


def range_hash(start: int, end: int, nodes: Mapping[Node, bytes]) -> bytes:
    """MTH of the leaves [start, end), from the perfect blocks in `nodes`.

    The RFC splits n leaves at the largest power of two k < n; for an aligned range (start a
    multiple of k, as in every proof) that is folding the blocks from the right.
    """
    _check_aligned(start, end)
    covering = blocks(start, end)
    h = _get(nodes, covering[-1])
    for node in reversed(covering[:-1]):
        h = node_hash(_get(nodes, node), h)
    return h


def _get(nodes: Mapping[Node, bytes], node: Node) -> bytes:
    try:
        return nodes[node]
    except KeyError:
        raise LookupError(f"node (level {node[0]}, index {node[1]}) is not in the store") from None


def needed_nodes(ranges: Iterable[tuple[int, int]]) -> set[Node]:
    """Every stored node the ranges' hashes need, so a database fetches them in one query."""
    return {node for start, end in ranges for node in blocks(start, end)}


# --- proofs ------------------------------------------------------------------------------------


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Leaf ranges whose MTHs are the audit path PATH(index, D[0:size]) (§2.1.3.1), bottom-up."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is not in a tree of size {size}")
    lo, hi = 0, size
    top_down: list[tuple[int, int]] = []
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            top_down.append((lo + k, hi))
            hi = lo + k
        else:
            top_down.append((lo, lo + k))
            lo += k
    return top_down[::-1]


def consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """Leaf ranges whose MTHs are PROOF(first, D[0:second]) (§2.1.4.1), in proof order."""
    if not 0 < first <= second:
        raise ValueError(
            f"no consistency proof from size {first} to size {second}: need 0 < first <= second"
        )
    lo, hi, m = 0, second, first
    known = True  # SUBPROOF's b: the verifier already knows this subtree's hash (the old root)
    top_down: list[tuple[int, int]] = []
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            top_down.append((lo + k, hi))
            hi = lo + k
        else:
            top_down.append((lo, lo + k))
            lo, m, known = lo + k, m - k, False
    bottom = [] if known else [(lo, hi)]
    return bottom + top_down[::-1]


def _hashes(ranges: list[tuple[int, int]], fetch: Fetch) -> list[bytes]:
    nodes = fetch(needed_nodes(ranges))
    return [range_hash(start, end, nodes) for start, end in ranges]


def inclusion_proof(index: int, size: int, fetch: Fetch) -> list[bytes]:
    """The audit path for leaf `index` in the tree of `size` leaves; one `fetch` call."""
    return _hashes(inclusion_ranges(index, size), fetch)


def consistency_proof(first: int, second: int, fetch: Fetch) -> list[bytes]:
    """The consistency proof from size `first` to size `second`; one `fetch` call."""
    return _hashes(consistency_ranges(first, second), fetch)


def root_hash(size: int, fetch: Fetch) -> bytes:
    """The root of the first `size` leaves (EMPTY_ROOT for 0); one `fetch` call."""
    if size < 0:
        raise ValueError(f"tree size must be >= 0, got {size}")
    if size == 0:
        return EMPTY_ROOT
    return _hashes([(0, size)], fetch)[0]


# --- verification (RFC 9162 §2.1.3.2 and §2.1.4.2, step by step) -------------------------------


def _all_hashes(*hashes: bytes) -> bool:
    return all(isinstance(h, bytes) and len(h) == HASH_SIZE for h in hashes)


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether `proof` shows the leaf hash `leaf` at `index` in the tree of `size` with `root`."""
    if not 0 <= index < size or not _all_hashes(leaf, root, *proof):
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False  # the proof is longer than the path
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether `proof` shows the tree of `second` leaves extends the tree of `first` leaves."""
    if not 0 < first <= second or not _all_hashes(first_root, second_root, *proof):
        return False
    if first == second:
        return not proof and first_root == second_root
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the old tree is a subtree the proof omits
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_root and sr == second_root and sn == 0


# --- an in-memory store ------------------------------------------------------------------------


class MemoryTree:
    """The storage model in a dict: for tests, benchmarks and checking a database store."""

    def __init__(self) -> None:
        self.nodes: dict[Node, bytes] = {}
        self._size = 0

    @property
    def size(self) -> int:
        return self._size

    def append(self, entry: bytes) -> int:
        """Append one entry; returns its leaf index."""
        index = self._size
        h = leaf_hash(entry)
        self.nodes[(0, index)] = h
        self.nodes.update(append_hashes(index, h, self.nodes.__getitem__))
        self._size += 1
        return index

    def fetch(self, needed: set[Node]) -> dict[Node, bytes]:
        return {node: self.nodes[node] for node in needed}

    def root(self, size: int | None = None) -> bytes:
        return root_hash(self._within(size), self.fetch)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return inclusion_proof(index, self._within(size), self.fetch)

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        return consistency_proof(first, self._within(second), self.fetch)

    def _within(self, size: int | None) -> int:
        if size is None:
            return self._size
        if size > self._size:
            raise ValueError(f"tree size {size} is beyond the {self._size} leaves appended")
        return size
