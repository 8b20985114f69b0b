"""Merkle tree hashing as RFC 6962 (Certificate Transparency) defines it, section 2.1: leaves are hashed as
``SHA-256(0x00 || leaf)``, interior nodes as ``SHA-256(0x01 || left || right)``, and a tree of ``n`` leaves splits
at the largest power of two below ``n``, so an independent implementation computes the same root."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""The root of a tree with no leaves (RFC 6962: the hash of the empty string)."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class Tree:
    """A tree grown one leaf hash at a time, whose root can be read at any size on the way: it keeps the roots of
    its complete subtrees (one per set bit of the size, largest first), as a log's appender does."""

    def __init__(self) -> None:
        self._subtrees: list[tuple[int, bytes]] = []
        self.size = 0

    def add(self, hashed: bytes) -> None:
        """Append a leaf given by its leaf hash (:func:`leaf_hash`)."""
        size, node = 1, hashed
        while self._subtrees and self._subtrees[-1][0] == size:
            left_size, left = self._subtrees.pop()
            size, node = left_size + size, node_hash(left, node)
        self._subtrees.append((size, node))
        self.size += 1

    def root(self) -> bytes:
        """The root of the leaves added so far: the complete subtrees folded from the right, which is how RFC
        6962's split at the largest power of two works out."""
        if not self._subtrees:
            return EMPTY_ROOT
        node = self._subtrees[-1][1]
        for _size, left in reversed(self._subtrees[:-1]):
            node = node_hash(left, node)
        return node


def root_of(leaf_hashes: Iterable[bytes]) -> bytes:
    tree = Tree()
    for hashed in leaf_hashes:
        tree.add(hashed)
    return tree.root()


def inclusion_paths(leaf_hashes: Sequence[bytes]) -> tuple[bytes, list[list[bytes]]]:
    """The root of a tree of ``leaf_hashes`` and, for each leaf, its audit path (RFC 6962 section 2.1.1: the
    sibling hashes from the leaf up), which with the leaf hash alone recomputes the root, so one entry can be shown
    to be in a checkpointed log without the others. Each node is hashed once; the paths hold n log n hashes."""
    paths: list[list[bytes]] = [[] for _ in leaf_hashes]
    if not leaf_hashes:
        return EMPTY_ROOT, paths

    def subtree(lo: int, hi: int) -> bytes:
        if hi - lo == 1:
            return leaf_hashes[lo]
        split = lo + (1 << ((hi - lo - 1).bit_length() - 1))
        left, right = subtree(lo, split), subtree(split, hi)
        for index in range(lo, split):
            paths[index].append(right)
        for index in range(split, hi):
            paths[index].append(left)
        return node_hash(left, right)

    return subtree(0, len(leaf_hashes)), paths
