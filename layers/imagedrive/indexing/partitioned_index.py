"""A large index: IVF over 8-bit scalar-quantised codes to find candidates, float vectors to rank them.

A flat scan reads every float of every row per query (205 MB at 100k, memory-bound). Here a query reads
the codes of the `nprobe` nearest cells only (a byte per dimension), takes the best `candidates` by the
approximate score, and re-ranks them by their exact cosine, read from the float vectors on disk
(`vectors.npy`, memory-mapped: only the candidates' rows are touched, so the floats of a 1M index stay out
of memory). The scores returned are always exact cosines; a true neighbour can be missed only when it is
outside every probed cell (recall@10 against exact: benchmarks/index_kinds.py).

Threshold sets stay exact: every cell is scanned with the floor lowered by the largest error the codes can
make for this query, then the candidates are re-checked on their floats. The codes are not residuals and
their ranges are trained on every vector, so no value is clamped and each dimension's error is at most half
a quantisation step: |q·x - q·x̂| ≤ Σᵢ |qᵢ| · stepᵢ / 2.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import BinaryIO

import faiss
import numpy as np

from imagedrive.indexing.flat_index import FlatIndex, Ranked
from imagedrive.telemetry import tracer

VECTORS_FILE = "vectors.npy"
# Cells a query reads: 3·√cells (of 2·√n cells), a larger share of a small index than of a large one, whose
# cells hold more rows each: 75 of 632 at 100k, 134 of 2000 at 1M (recall@10 in index_kinds.py).
PROBES_PER_ROOT_CELL = 3
MIN_PROBES = 8
CANDIDATES = 128  # re-ranked per query at least (k × 4 when k is larger)
_KMEANS_ITERATIONS = 8  # coarse cells are enough: the exact re-rank orders what they find
_FLOAT_SLACK = 1e-5  # float32 rounding in faiss's distance kernels, on top of the quantisation bound


class PartitionedIndex:
    def __init__(self, index: faiss.IndexIVFScalarQuantizer, positions: np.ndarray, vectors: np.ndarray) -> None:
        if not index.ntotal == len(positions) == len(vectors):
            raise ValueError(f"index has {index.ntotal} rows, {len(positions)} positions, {len(vectors)} vectors")
        self.index = index
        self.probes = min(index.nlist, max(MIN_PROBES, math.ceil(PROBES_PER_ROOT_CELL * math.sqrt(index.nlist))))
        index.nprobe = self.probes
        # One query's cells are scanned by every core (faiss parallelises over queries by default, leaving one
        # core idle): 3.2 -> 1.7 ms for 76 cells at 100k on 2 cores.
        index.parallel_mode = 1
        self.positions = np.ascontiguousarray(positions, dtype=np.int64)
        self._vectors = vectors
        # Re-ranking reads its candidates' rows with pread, not through the mapping: pages touched through a
        # mapping stay resident in this process (a 100k index grew by 60 MB in 100 searches), read ones don't.
        self._rows_at: tuple[BinaryIO, int] | None = None  # the file and where its first row starts
        if isinstance(vectors, np.memmap) and vectors.filename:
            self._rows_at = open(vectors.filename, "rb"), vectors.offset  # noqa: SIM115 (lives with the index)
        trained = faiss.vector_to_array(index.sq.trained).reshape(2, index.d)  # per dimension: min, range
        self._half_step = trained[1] / 255 / 2

    @classmethod
    def build(cls, vectors: np.ndarray, ids: np.ndarray) -> PartitionedIndex:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        count, dim = vectors.shape
        cells = max(1, int(2 * math.sqrt(count)))
        index = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(dim), dim, cells, faiss.ScalarQuantizer.QT_8bit,
                                              faiss.METRIC_INNER_PRODUCT)
        index.by_residual = False  # codes of the vectors themselves: ranges trained on all of them, never clamped
        index.cp.niter = _KMEANS_ITERATIONS
        index.cp.spherical = True  # unit centroids: with inner products a long centroid would draw in far rows
        index.cp.max_points_per_centroid = 32  # k-means on a sample; every vector trains the code ranges
        index.train(vectors)
        index.add(vectors)
        return cls(index, ids, vectors)

    @classmethod
    def read(cls, index_path: Path, positions_path: Path) -> PartitionedIndex:
        index = faiss.read_index(str(index_path))
        assert isinstance(index, faiss.IndexIVFScalarQuantizer), f"{index_path} is not an IVF-SQ8 index"
        vectors = np.load(index_path.parent / VECTORS_FILE, mmap_mode="r", allow_pickle=False)
        return cls(index, np.load(positions_path, allow_pickle=False), vectors)

    def write(self, index_path: Path, positions_path: Path) -> None:
        faiss.write_index(self.index, str(index_path))
        np.save(positions_path, self.positions, allow_pickle=False)
        np.save(index_path.parent / VECTORS_FILE, np.asarray(self._vectors), allow_pickle=False)

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    @property
    def dim(self) -> int:
        return int(self.index.d)

    @property
    def nbytes(self) -> int:
        """What stays in memory: the codes, their ids and the positions (the floats are on disk)."""
        return self.size * (self.dim + 8) + self.positions.nbytes

    def vectors(self) -> np.ndarray:
        """The float rows (memory-mapped once read from disk)."""
        return self._vectors

    def subset(self, rows: np.ndarray) -> FlatIndex:
        return FlatIndex.build(np.asarray(self._vectors[rows]), self.positions[rows])

    @tracer.capture_method
    def top_k(self, query: np.ndarray, k: int) -> Ranked:
        k = min(k, self.size)
        if k <= 0:
            return Ranked.empty()
        want = min(self.size, max(CANDIDATES, 4 * k))
        _, rows = self.index.search(_as_queries(query), want)
        return self._exact(query, rows[0][rows[0] >= 0]).head(k)

    @tracer.capture_method
    def at_least(self, query: np.ndarray, s_min: float) -> Ranked:
        """Every row with cosine ≥ s_min: all cells scanned below the floor by the codes' error bound, then
        each candidate checked on its float vector."""
        q = _as_queries(query)
        bound = float(np.abs(q[0]) @ self._half_step) + _FLOAT_SLACK
        self.index.nprobe = self.index.nlist
        try:
            _, _, rows = self.index.range_search(q, float(s_min) - bound)
        finally:
            self.index.nprobe = self.probes
        ranked = self._exact(query, rows)
        keep = ranked.scores >= np.float32(s_min)
        return Ranked(ranked.ids[keep], ranked.scores[keep])

    def _rows(self, rows: np.ndarray) -> np.ndarray:
        if self._rows_at is None:
            return np.asarray(self._vectors[rows])
        file, start = self._rows_at
        width = self.dim * 4
        data = b"".join(os.pread(file.fileno(), width, start + int(row) * width) for row in rows)
        return np.frombuffer(data, dtype=self._vectors.dtype).reshape(len(rows), self.dim)

    def _exact(self, query: np.ndarray, rows: np.ndarray) -> Ranked:
        rows = np.sort(rows)  # the floats are read from disk in file order
        scores = self._rows(rows) @ np.asarray(query, dtype=np.float32).reshape(-1)
        ids = self.positions[rows]
        order = np.lexsort((ids, -scores))
        return Ranked(ids[order], scores[order].astype(np.float32))


def _as_queries(query: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
