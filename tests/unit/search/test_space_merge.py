"""The shared + private split answers exactly like one flat index over what the user may see: the same top k
(ids and cosines, in order) and the same rows above every cosine floor, with fresh vectors replacing indexed
ones. Planted vectors, many queries, every k from 1 to past the end."""

from __future__ import annotations

import numpy as np
import pytest

from imagedrive.indexing.flat_index import FlatIndex
from imagedrive.search.space import SearchSpace

DIM = 32


def unit(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.standard_normal((n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.fixture
def planted():
    """ids 1..300 shared, 301..360 private, fresh: 20 re-embedded shared, 5 re-embedded private, 10 new; and
    one id (150) in both indexes, as while a visibility change is half rebuilt."""
    rng = np.random.default_rng(7)
    shared_ids, private_ids = np.arange(1, 301), np.arange(301, 361)
    shared, private = unit(rng, len(shared_ids)), unit(rng, len(private_ids))
    private_ids = np.append(private_ids, 150)
    private = np.vstack([private, shared[149]])
    fresh_ids = np.concatenate([rng.choice(shared_ids, 20, replace=False), rng.choice(private_ids[:-1], 5,
                                                                                       replace=False),
                                np.arange(1000, 1010)])
    fresh = unit(rng, len(fresh_ids))
    space = SearchSpace((FlatIndex.build(shared, shared_ids), FlatIndex.build(private, private_ids)),
                        FlatIndex.build(fresh, fresh_ids), version=2, shared_version=5)
    union = {int(i): v for i, v in zip(shared_ids, shared, strict=True)}
    union |= {int(i): v for i, v in zip(private_ids, private, strict=True)}
    union |= {int(i): v for i, v in zip(fresh_ids, fresh, strict=True)}
    ids = np.array(sorted(union), dtype=np.int64)
    exact = FlatIndex.build(np.stack([union[int(i)] for i in ids]), ids)
    return space, exact, rng


def test_top_k_of_the_merged_indexes_equals_one_flat_index_over_the_union(planted):
    space, exact, rng = planted
    assert space.size == 300 + 61 and exact.size == 370
    for query in unit(rng, 25):
        for k in (1, 2, 5, 10, 50, 200, 400):
            got, complete = space.top(query, k)
            want = exact.top_k(query, k)
            head = got.head(k)
            assert head.ids.tolist() == want.ids.tolist()
            np.testing.assert_allclose(head.scores, want.scores, rtol=0, atol=1e-6)
            assert complete == (k >= 300), "complete only once every index was read to its end"


def test_threshold_sets_of_the_merged_indexes_equal_one_flat_index_over_the_union(planted):
    space, exact, rng = planted
    for query in unit(rng, 25):
        for s_min in (-1.0, -0.1, 0.0, 0.2, 0.4, 0.6):
            got, want = space.at_least(query, s_min), exact.at_least(query, s_min)
            assert got.ids.tolist() == want.ids.tolist()
            np.testing.assert_allclose(got.scores, want.scores, rtol=0, atol=1e-6)
            assert len(set(got.ids.tolist())) == len(got), "an id in two indexes counts once"


def test_a_category_restriction_and_own_vectors_keep_the_fresh_vector_once(planted):
    space, exact, rng = planted
    members = np.array([3, 150, 310, 1003, 9999], dtype=np.int64)
    restricted = space.restricted_to(members)
    query = unit(rng, 1)[0]
    got, _ = restricted.top(query, 10)
    want = exact.subset(np.isin(exact.positions, members)).top_k(query, 10)
    assert got.ids.tolist() == want.ids.tolist()
    ids, vectors = space.own_vectors(np.arange(301, 1010))
    assert sorted(ids.tolist()) == sorted(set(ids.tolist())), "each own image once"
    by_id = dict(zip(exact.positions.tolist(), exact.vectors(), strict=True))
    for image_id, vector in zip(ids.tolist(), vectors, strict=True):
        np.testing.assert_array_equal(vector, by_id[image_id])
