"""The index a built version is stored as, chosen by its size (the one place the builder and the query
function's cache get an index from). Every kind answers like `FlatIndex`: top_k, at_least, subset,
positions, vectors(), size, dim, nbytes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from imagedrive.indexing.flat_index import FlatIndex

SearchIndex = FlatIndex


def build_index(vectors: np.ndarray, ids: np.ndarray, dim: int) -> SearchIndex:
    """The index of a version over these rows (`dim`: the dimension of an index with no rows)."""
    return FlatIndex.build(vectors, ids) if len(ids) else FlatIndex.empty(dim)


def read_index(index_path: Path, positions_path: Path) -> SearchIndex:
    return FlatIndex.read(index_path, positions_path)
