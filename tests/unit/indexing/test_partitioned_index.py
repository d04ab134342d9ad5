"""The partitioned index (IVF over 8-bit codes, exact re-rank from float vectors): recall against exact
search on clustered vectors, exact scores, exact threshold sets, a write/read round trip with the floats
memory-mapped, and the kind chosen by size."""

from __future__ import annotations

import numpy as np
import pytest

from imagedrive.indexing.flat_index import FlatIndex
from imagedrive.indexing.partitioned_index import VECTORS_FILE, PartitionedIndex
from imagedrive.indexing.search_index import build_index, files_of, kind_of, read_index

DIM = 64


def clustered(rng: np.random.Generator, n: int, clusters: int = 300, spread: float = 0.8) -> np.ndarray:
    """Unit vectors around random centres (an image library has themes; uniform random vectors have none,
    and no partitioning can find neighbours among them faster than a scan)."""
    centres = np.random.default_rng(99).standard_normal((clusters, DIM)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    x = centres[rng.integers(0, clusters, n)] + spread * rng.standard_normal((n, DIM)).astype(np.float32) / DIM**0.5
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def library():
    vectors = clustered(np.random.default_rng(1), 20_000)
    ids = np.arange(100, 100 + len(vectors), dtype=np.int64)
    return PartitionedIndex.build(vectors, ids), FlatIndex.build(vectors, ids), vectors


def test_top_k_finds_the_exact_neighbours_with_their_exact_cosines(library):
    index, exact, vectors = library
    queries = clustered(np.random.default_rng(2), 100)
    recall = []
    for query in queries:
        got, want = index.top_k(query, 10), exact.top_k(query, 10)
        recall.append(len(set(got.ids.tolist()) & set(want.ids.tolist())) / 10)
        rows = got.ids - 100
        np.testing.assert_allclose(got.scores, vectors[rows] @ query, atol=1e-5)
        assert np.all(np.diff(got.scores) <= 0), "best first"
    assert np.mean(recall) >= 0.98, f"recall@10 {np.mean(recall):.3f}"
    assert index.probes < index.index.nlist, "it reads a fraction of the cells, not all of them"


def test_a_stored_vector_finds_itself_first(library):
    index, _, vectors = library
    for row in (0, 777, 19_999):
        assert index.top_k(vectors[row], 1).ids.tolist() == [100 + row]


@pytest.mark.parametrize("s_min", [0.95, 0.8, 0.6, 0.4])
def test_threshold_sets_are_exact(library, s_min):
    index, exact, _ = library
    for query in clustered(np.random.default_rng(3), 5):
        got, want = index.at_least(query, s_min), exact.at_least(query, s_min)
        assert got.ids.tolist() == want.ids.tolist()
        np.testing.assert_allclose(got.scores, want.scores, atol=1e-5)


def test_it_is_written_read_back_with_its_floats_memory_mapped_and_answers_the_same(library, tmp_path):
    index, _, _ = library
    index.write(tmp_path / "index.faiss", tmp_path / "positions.npy")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(files_of(index))
    again = read_index(tmp_path / "index.faiss", tmp_path / "positions.npy")
    assert isinstance(again, PartitionedIndex) and isinstance(again.vectors(), np.memmap)
    assert again.nbytes < again.size * DIM * 4, "the floats are not counted as held in memory"
    query = clustered(np.random.default_rng(4), 1)[0]
    assert again.top_k(query, 20).ids.tolist() == index.top_k(query, 20).ids.tolist()
    subset = again.subset(np.isin(again.positions, [105, 110, 20_000]))
    assert isinstance(subset, FlatIndex) and sorted(subset.positions.tolist()) == [105, 110, 20_000]


def test_the_kind_follows_the_size():
    vectors = clustered(np.random.default_rng(5), 600)
    ids = np.arange(len(vectors), dtype=np.int64)
    assert kind_of(build_index(vectors, ids, DIM, flat_max=600)) == "flat"
    large = build_index(vectors, ids, DIM, flat_max=599)
    assert kind_of(large) == "partitioned" and VECTORS_FILE in files_of(large)
    assert kind_of(build_index(vectors[:0], ids[:0], DIM, flat_max=0)) == "flat", "an empty index is flat"


def test_the_codes_never_err_by_more_than_the_bound_threshold_sets_rely_on():
    vectors = clustered(np.random.default_rng(6), 3000)
    index = PartitionedIndex.build(vectors, np.arange(len(vectors), dtype=np.int64))
    index.index.make_direct_map()
    decoded = index.index.reconstruct_n(0, index.size)
    per_dimension = np.abs(decoded - vectors).max(axis=0) / index._half_step
    assert per_dimension.max() <= 1 + 1e-4, "no value is clamped: each errs by half a step at most"
    assert per_dimension.min() >= 0.9, "and the bound is tight: half a step is reached in every dimension"
    for query in clustered(np.random.default_rng(7), 50):
        error = np.abs(decoded @ query - vectors @ query).max()
        assert error <= np.abs(query) @ index._half_step + 1e-5  # the slack at_least adds for float rounding


def test_a_floor_equal_to_a_rows_cosine_keeps_that_row(library):
    index, exact, _ = library
    query = clustered(np.random.default_rng(8), 1)[0]
    nearest = exact.top_k(query, 40)
    got = index.at_least(query, float(nearest.scores[-1]))
    assert got.ids.tolist() == exact.at_least(query, float(nearest.scores[-1])).ids.tolist()
    assert nearest.ids[-1] in got.ids and len(got.ids) >= 40
