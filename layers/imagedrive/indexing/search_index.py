"""The index a built version is stored as, chosen by its size (the one place the builder and the query
function's cache get an index from). Both kinds answer alike: top_k, at_least, subset, positions,
vectors(), size, dim, nbytes, write.

- flat (FAISS IndexFlatIP): exact, and fastest while a scan of every float is cheap;
- partitioned (IVF over 8-bit codes, candidates re-ranked on float vectors kept on disk): from
  `index_flat_max` vectors on, where a scan of every float per query is what a search spends its time on.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from imagedrive.indexing.flat_index import FlatIndex
from imagedrive.indexing.partitioned_index import VECTORS_FILE, PartitionedIndex
from imagedrive.indexing.store import INDEX_FILE, POSITIONS_FILE
from imagedrive.settings import get_settings

SearchIndex = FlatIndex | PartitionedIndex


def build_index(vectors: np.ndarray, ids: np.ndarray, dim: int, *, flat_max: int | None = None) -> SearchIndex:
    """The index of a version over these rows (`dim`: the dimension of an index with no rows)."""
    if not len(ids):
        return FlatIndex.empty(dim)
    flat_max = get_settings().index_flat_max if flat_max is None else flat_max
    return FlatIndex.build(vectors, ids) if len(ids) <= flat_max else PartitionedIndex.build(vectors, ids)


def kind_of(index: SearchIndex) -> str:
    return "partitioned" if isinstance(index, PartitionedIndex) else "flat"


def files_of(index: SearchIndex) -> tuple[str, ...]:
    """What `index.write(folder / INDEX_FILE, folder / POSITIONS_FILE)` leaves in the folder."""
    extra = (VECTORS_FILE,) if isinstance(index, PartitionedIndex) else ()
    return (INDEX_FILE, POSITIONS_FILE, *extra)


def read_index(index_path: Path, positions_path: Path) -> SearchIndex:
    if (index_path.parent / VECTORS_FILE).exists():
        return PartitionedIndex.read(index_path, positions_path)
    return FlatIndex.read(index_path, positions_path)
