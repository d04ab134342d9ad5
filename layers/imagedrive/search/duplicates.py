"""Groups of near-duplicates among one user's own images: pairs with cosine ≥ s_min, then union-find over
the pairs, so a chain of near-copies is one group.

Exact (a flat range search) up to `search_duplicates_exact_max` images. Beyond that an all-pairs search
costs n²·512 multiply-adds, so the vectors are cut into cells (spherical k-means on a sample, about 2√n
cells) and each cell's members are compared, as one matrix product (BLAS, far faster per pair than one
query at a time), with every image whose two nearest cells include it: a near-copy sits in the same cell as
its original, or in the next nearest one (recall on planted copies: tests and benchmarks/duplicates.py).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import faiss
import numpy as np

from imagedrive.errors import InvalidInput
from imagedrive.indexing.flat_index import FlatIndex, range_rows

_BLOCK = 8192  # queries per range search call: bounds the memory of one call's results
_CELLS_PER_QUERY = 2
_SAMPLE_PER_CELL = 20
_KMEANS_ITERATIONS = 4  # coarse cells are enough to gather near neighbours


@dataclass(frozen=True)
class Grouping:
    """One user's near-duplicate groups at one floor: rows of `ids`, largest group first."""

    ids: np.ndarray  # image ids
    groups: list[np.ndarray]  # rows of ids
    best: np.ndarray  # per row, its best cosine to another image of its group


class GroupingCache:
    """The last few groupings, so the following pages of a large library's duplicates cost a lookup. A key
    names everything the grouping was computed from (indexes, fresh rows, own images, floor)."""

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[object, ...], Grouping] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[object, ...], compute: Callable[[], Grouping]) -> Grouping:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        grouping = compute()
        with self._lock:
            self._entries[key] = grouping
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return grouping


def find_groups(ids: np.ndarray, vectors: np.ndarray, s_min: float, *, exact_max: int, max_pairs: int) -> Grouping:
    pairs = near_pairs(vectors, s_min, exact_max=exact_max, max_pairs=max_pairs)
    best = np.full(len(ids), -1.0, np.float32)
    np.maximum.at(best, pairs.first, pairs.cosine)
    np.maximum.at(best, pairs.second, pairs.cosine)
    return Grouping(ids, group_rows(len(ids), pairs), best)


@dataclass(frozen=True)
class Pairs:
    first: np.ndarray  # row numbers, first < second
    second: np.ndarray
    cosine: np.ndarray


def near_pairs(vectors: np.ndarray, s_min: float, *, exact_max: int, max_pairs: int) -> Pairs:
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    blocks = _exact(vectors, s_min) if len(vectors) <= exact_max else _by_cells(vectors, s_min)
    firsts, seconds, cosines, total = [], [], [], 0
    for first, second, cosine in blocks:
        keep = first < second  # each pair once, and never an image with itself
        firsts.append(first[keep])
        seconds.append(second[keep])
        cosines.append(cosine[keep])
        total += int(keep.sum())
        if total > max_pairs:
            raise InvalidInput(f"more than {max_pairs} pairs at s_min={s_min}; ask with a higher s_min",
                               code="too_many_duplicates")
    if not firsts:
        return Pairs(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float32))
    pairs = Pairs(np.concatenate(firsts), np.concatenate(seconds), np.concatenate(cosines))
    # a pair found from both of its cells counts once
    _, once = np.unique(pairs.first * len(vectors) + pairs.second, return_index=True)
    return Pairs(pairs.first[once], pairs.second[once], pairs.cosine[once])


def group_rows(count: int, pairs: Pairs) -> list[np.ndarray]:
    """Connected components with more than one member, largest first (then by first row)."""
    parent = np.arange(count)

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]  # path halving
            node = parent[node]
        return node

    for a, b in zip(pairs.first.tolist(), pairs.second.tolist(), strict=True):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for node in np.unique(np.concatenate([pairs.first, pairs.second])).tolist():
        groups.setdefault(root(node), []).append(node)
    return [np.array(g) for g in sorted(groups.values(), key=lambda g: (-len(g), g[0]))]


Block = tuple[np.ndarray, np.ndarray, np.ndarray]  # (row, row, cosine) of pairs, unordered


def _exact(vectors: np.ndarray, s_min: float) -> Iterator[Block]:
    index = FlatIndex.build(vectors, np.arange(len(vectors), dtype=np.int64)).index
    for start in range(0, len(vectors), _BLOCK):
        queries, rows, scores = range_rows(index, vectors[start:start + _BLOCK], s_min)
        yield queries + start, rows, scores


def _by_cells(vectors: np.ndarray, s_min: float) -> Iterator[Block]:
    count, dim = vectors.shape
    cells = max(1, int(2 * math.sqrt(count)))
    kmeans = faiss.Kmeans(dim, cells, niter=_KMEANS_ITERATIONS, spherical=True,
                          max_points_per_centroid=_SAMPLE_PER_CELL, seed=1)
    sample = np.random.default_rng(0).choice(count, min(count, cells * _SAMPLE_PER_CELL), replace=False)
    kmeans.train(np.ascontiguousarray(vectors[sample]))
    _, nearest = kmeans.index.search(vectors, _CELLS_PER_QUERY)
    members = _grouped(nearest[:, 0], cells)
    askers = _grouped(nearest.ravel(), cells, rows_per_entry=_CELLS_PER_QUERY)
    for cell in range(cells):
        own, asking = members[cell], askers[cell]
        if len(own) == 0 or len(asking) == 0:
            continue
        cosines = vectors[asking] @ vectors[own].T
        a, o = np.nonzero(cosines >= np.float32(s_min))
        yield asking[a], own[o], cosines[a, o]


def _grouped(cell_of: np.ndarray, cells: int, rows_per_entry: int = 1) -> list[np.ndarray]:
    """For each cell, the rows whose entry names it (rows_per_entry entries per row, row-major)."""
    order = np.argsort(cell_of, kind="stable")
    bounds = np.searchsorted(cell_of[order], np.arange(cells + 1))
    rows = order // rows_per_entry
    return [rows[bounds[c]:bounds[c + 1]] for c in range(cells)]
