"""Near-duplicate pairs and their grouping, exact and through the IVF probe used for large libraries."""

from __future__ import annotations

import numpy as np
import pytest

from imagedrive.errors import InvalidInput
from imagedrive.search.duplicates import Pairs, group_rows, near_pairs

DIM = 512


def library(seed: int, originals: int, copies_per_original: int, noise: float) -> tuple[np.ndarray, set[frozenset]]:
    """Random originals, each with a few slightly perturbed copies; the expected groups as row sets."""
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((originals, DIM)).astype(np.float32)
    rows, groups = [], []
    for original in base:
        group = []
        for copy in range(copies_per_original + 1):
            vector = original + (noise * rng.standard_normal(DIM) if copy else 0)
            group.append(len(rows))
            rows.append(vector / np.linalg.norm(vector))
        groups.append(frozenset(group))
    return np.asarray(rows, np.float32), {g for g in groups if len(g) > 1}


def grouped(vectors: np.ndarray, s_min: float, exact_max: int) -> set[frozenset]:
    pairs = near_pairs(vectors, s_min, exact_max=exact_max, max_pairs=1_000_000)
    return {frozenset(g.tolist()) for g in group_rows(len(vectors), pairs)}


def test_copies_group_with_their_original_and_unrelated_images_stay_alone():
    vectors, expected = library(1, originals=300, copies_per_original=2, noise=0.01)
    loners = np.random.default_rng(2).standard_normal((200, DIM)).astype(np.float32)
    vectors = np.concatenate([vectors, loners / np.linalg.norm(loners, axis=1, keepdims=True)])
    assert grouped(vectors, 0.95, exact_max=100_000) == expected


def test_the_ivf_probe_finds_the_same_groups_on_planted_copies():
    vectors, expected = library(3, originals=2000, copies_per_original=1, noise=0.01)
    assert grouped(vectors, 0.95, exact_max=0) == expected


def test_a_chain_of_near_copies_is_one_group_largest_first():
    pairs = Pairs(np.array([0, 1, 5]), np.array([1, 2, 6]), np.array([0.99, 0.98, 0.97], np.float32))
    assert [g.tolist() for g in group_rows(8, pairs)] == [[0, 1, 2], [5, 6]]


def test_a_floor_so_low_that_everything_pairs_is_refused():
    vectors, _ = library(4, originals=50, copies_per_original=3, noise=0.5)
    with pytest.raises(InvalidInput, match="higher s_min"):
        near_pairs(vectors, -1.0, exact_max=1000, max_pairs=100)


def test_the_cells_find_the_pairs_of_the_exact_search_in_a_clustered_library():
    rng = np.random.default_rng(5)
    centres = rng.standard_normal((40, DIM)).astype(np.float32)
    vectors = centres[rng.integers(0, 40, 6000)] + 0.8 * rng.standard_normal((6000, DIM)).astype(np.float32) / DIM**0.5
    originals = rng.choice(5700, 300, replace=False)
    vectors[5700:] = vectors[originals] + 0.012 * rng.standard_normal((300, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    exact = near_pairs(vectors, 0.95, exact_max=100_000, max_pairs=1_000_000)
    cells = near_pairs(vectors, 0.95, exact_max=0, max_pairs=1_000_000)
    wanted = set(zip(exact.first.tolist(), exact.second.tolist(), strict=True))
    found = set(zip(cells.first.tolist(), cells.second.tolist(), strict=True))
    assert len(wanted) >= 300
    assert len(wanted & found) >= 0.99 * len(wanted)
    assert found <= wanted
