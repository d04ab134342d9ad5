"""Groups of near-duplicates among one user's own images: pairs with cosine ≥ s_min, then union-find over
the pairs, so a chain of near-copies is one group.

Exact (a flat range search) up to `search_duplicates_exact_max` images. Beyond that an all-pairs search
costs n²·512 multiply-adds, so the vectors are cut into cells (spherical k-means on a sample, about 2√n
cells) and each cell's members are compared, as one matrix product (BLAS, far faster per pair than one
query at a time), with every image whose centroid cosine to that cell is within a small margin of its best
(up to 4 cells): a near-copy sits in the same cell as its original, or it sits near the border between the
two (recall on planted copies: tests and benchmarks/duplicates.py).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from imagedrive.errors import InvalidInput
from imagedrive.indexing.flat_index import FlatIndex, range_rows

_BLOCK = 8192  # queries per range search call: bounds the memory of one call's results
_CELLS_PER_QUERY_MAX = 4
_CELL_MARGIN = 0.015  # cosine to a cell's centroid; planted copies at 0.95-0.97: recall 0.998 at 100k
_SAMPLE_PER_CELL = 20
_KMEANS_ITERATIONS = 6  # coarse cells are enough to gather near neighbours


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
        keep = first != second  # never an image with itself; a pair found both ways counts once (below)
        first, second = np.minimum(first, second), np.maximum(first, second)
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
        queries = queries + start
        once = queries < rows  # the exact search finds every pair from both ends
        yield queries[once], rows[once], scores[once]


def _by_cells(vectors: np.ndarray, s_min: float) -> Iterator[Block]:
    count = len(vectors)
    cells = max(1, int(2 * math.sqrt(count)))
    centroids = _spherical_kmeans(vectors, cells)
    nearest, scores = _nearest_cells(vectors, centroids, min(_CELLS_PER_QUERY_MAX, cells))
    # a row asks every cell nearly as near as its own: a near-copy lands in another cell only from such a border
    asks = scores >= scores[:, :1] - _CELL_MARGIN
    members = _grouped(nearest[:, 0], np.arange(count), cells)
    askers = _grouped(nearest[asks], np.nonzero(asks)[0], cells)
    for cell in range(cells):
        own, asking = members[cell], askers[cell]
        if len(own) == 0 or len(asking) == 0:
            continue
        cosines = vectors[asking] @ vectors[own].T
        a, o = np.nonzero(cosines >= np.float32(s_min))
        yield asking[a], own[o], cosines[a, o]


def _spherical_kmeans(vectors: np.ndarray, cells: int) -> np.ndarray:
    """Unit centroids trained on a sample with plain matrix products (faster here than faiss.Kmeans, whose
    threads stall on busy cores)."""
    rng = np.random.default_rng(0)
    sample = vectors[rng.choice(len(vectors), min(len(vectors), cells * _SAMPLE_PER_CELL), replace=False)]
    centroids = sample[rng.choice(len(sample), cells, replace=False)].copy()
    for _ in range(_KMEANS_ITERATIONS):
        assigned = np.argmax(sample @ centroids.T, axis=1)
        sums = np.zeros_like(centroids)
        np.add.at(sums, assigned, sample)
        norms = np.linalg.norm(sums, axis=1)
        filled = norms > 0  # an empty cell keeps its centroid
        centroids[filled] = sums[filled] / norms[filled, None]
    return centroids


def _nearest_cells(vectors: np.ndarray, centroids: np.ndarray, probes: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's `probes` nearest cells and their cosines, nearest first."""
    cells = np.empty((len(vectors), probes), np.int64)
    scores = np.empty((len(vectors), probes), np.float32)
    for start in range(0, len(vectors), _BLOCK):
        block = vectors[start:start + _BLOCK] @ centroids.T
        top = np.argpartition(-block, probes - 1, axis=1)[:, :probes] if probes < block.shape[1] \
            else np.tile(np.arange(probes), (len(block), 1))
        top_scores = np.take_along_axis(block, top, 1)
        order = np.argsort(-top_scores, axis=1)
        cells[start:start + _BLOCK] = np.take_along_axis(top, order, 1)
        scores[start:start + _BLOCK] = np.take_along_axis(top_scores, order, 1)
    return cells, scores


def _grouped(cell_of: np.ndarray, rows: np.ndarray, cells: int) -> list[np.ndarray]:
    """For each cell, the rows whose entry names it (entries and rows side by side)."""
    order = np.argsort(cell_of, kind="stable")
    bounds = np.searchsorted(cell_of[order], np.arange(cells + 1))
    rows = rows[order]
    return [rows[bounds[c]:bounds[c + 1]] for c in range(cells)]
