"""The flat index against numpy brute force: the same top-k, and exactly the rows with cosine ≥ s_min."""

from __future__ import annotations

import faiss
import numpy as np
import pytest

from imagedrive.indexing.flat_index import FlatIndex, Ranked, r2_from_s_min, s_min_from_r2

DIM = 512


def unit_rows(rng: np.random.Generator, n: int) -> np.ndarray:
    rows = rng.standard_normal((n, DIM)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def at_cosine(query: np.ndarray, cosine: float, rng: np.random.Generator) -> np.ndarray:
    """A unit vector whose cosine to the unit `query` is `cosine`."""
    other = rng.standard_normal(DIM)
    other -= (other @ query) * query
    other /= np.linalg.norm(other)
    return (cosine * query + np.sqrt(1 - cosine**2) * other).astype(np.float32)


@pytest.fixture(scope="module")
def planted():
    rng = np.random.default_rng(42)
    vectors = unit_rows(rng, 5000)
    ids = rng.permutation(np.arange(10_000, 10_000 + 5000)).astype(np.int64)  # ids unlike row numbers
    return FlatIndex.build(vectors, ids), vectors, ids, unit_rows(rng, 20)


@pytest.mark.parametrize("k", [1, 10, 200])
def test_top_k_equals_numpy_brute_force(planted, k):
    index, vectors, ids, queries = planted
    for query in queries:
        cosines = vectors @ query
        expected = np.argsort(-cosines, kind="stable")[:k]
        got = index.top_k(query, k)
        np.testing.assert_array_equal(got.ids, ids[expected])
        np.testing.assert_allclose(got.scores, cosines[expected], atol=1e-5)


def test_threshold_returns_exactly_the_vectors_at_or_above_s_min():
    rng = np.random.default_rng(7)
    query = unit_rows(rng, 1)[0]
    s_min = 0.12
    background = unit_rows(rng, 5000)
    # Planted right around the floor: just above must be in, just below out.
    edge = np.stack([at_cosine(query, c, rng) for c in (s_min + 2e-5, s_min - 2e-5, s_min + 0.3, 0.99)])
    vectors = np.concatenate([background, edge])
    ids = np.arange(len(vectors), dtype=np.int64) + 1
    cosines = vectors @ query
    assert np.min(np.abs(cosines - s_min)) > 1e-6, "no vector so close to the floor that rounding decides"

    got = FlatIndex.build(vectors, ids).at_least(query, s_min)

    expected = ids[cosines >= s_min]
    assert set(got.ids.tolist()) == set(expected.tolist())
    assert {5001, 5003, 5004} <= set(got.ids.tolist()) and 5002 not in got.ids
    assert np.all(np.diff(got.scores) <= 0), "best first"
    np.testing.assert_allclose(got.scores, vectors[got.ids - 1] @ query, atol=1e-5)


def test_s_min_is_the_specs_squared_l2_radius_and_ranks_like_index_flat_l2(planted):
    index, vectors, ids, queries = planted
    assert r2_from_s_min(1.0) == 0.0 and r2_from_s_min(-1.0) == 4.0
    assert s_min_from_r2(r2_from_s_min(0.3)) == pytest.approx(0.3)
    l2 = faiss.IndexFlatL2(DIM)
    l2.add(vectors)
    distances, rows = l2.search(queries[:5], 50)
    for query, l2_rows, l2_distances in zip(queries[:5], rows, distances, strict=True):
        got = index.top_k(query, 50)
        np.testing.assert_array_equal(got.ids, ids[l2_rows])
        np.testing.assert_allclose(got.scores, 1 - l2_distances / 2, atol=1e-5)  # the spec's cosine = 1 − d²/2


def test_written_and_read_back_it_answers_the_same(planted, tmp_path):
    index, _, _, queries = planted
    index.write(tmp_path / "index.faiss", tmp_path / "positions.npy")
    again = FlatIndex.read(tmp_path / "index.faiss", tmp_path / "positions.npy")
    assert again.size == index.size and again.dim == DIM
    np.testing.assert_array_equal(again.top_k(queries[0], 30).ids, index.top_k(queries[0], 30).ids)


def test_a_subset_searches_only_its_rows(planted):
    index, vectors, ids, queries = planted
    keep = ids % 3 == 0
    subset = index.subset(keep)
    got = subset.top_k(queries[0], 10)
    cosines = np.where(keep, vectors @ queries[0], -np.inf)
    np.testing.assert_array_equal(got.ids, ids[np.argsort(-cosines)[:10]])
    np.testing.assert_array_equal(subset.vectors(), vectors[keep])


def test_an_empty_index_finds_nothing():
    empty = FlatIndex.empty(DIM)
    query = np.ones(DIM, np.float32) / np.sqrt(DIM)
    assert len(empty.top_k(query, 5)) == 0 and len(empty.at_least(query, -1.0)) == 0


def test_k_larger_than_the_index_returns_every_row(planted):
    index, _, _, queries = planted
    small = index.subset(np.arange(7))
    assert len(small.top_k(queries[0], 200)) == 7


def test_a_fresher_vector_replaces_the_indexed_one_when_rankings_merge():
    indexed = Ranked(np.array([1, 2, 3]), np.array([0.9, 0.8, 0.7], np.float32))
    fresh = Ranked(np.array([2, 9]), np.array([0.1, 0.85], np.float32))
    merged = indexed.merged_with(fresh)
    assert merged.ids.tolist() == [1, 9, 3, 2]
    np.testing.assert_allclose(merged.scores, [0.9, 0.85, 0.7, 0.1])
