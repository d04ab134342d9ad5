"""Top-k (or cosine ≥ s_min) among what the user may see.

Hydration can drop candidates (deleted or hidden since the build), so the index is asked for a few more
than k, and for four times as many again whenever too few survive, until k survive or none are left.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from imagedrive.indexing.flat_index import Ranked
from imagedrive.search.repository import SearchRepository
from imagedrive.search.space import SearchSpace
from imagedrive.search.timing import Stopwatch

_SLACK = 16


@dataclass(frozen=True)
class Neighbour:
    row: dict[str, Any]
    cosine: float


def nearest_visible(
    space: SearchSpace, query: np.ndarray, repository: SearchRepository, *, user_id: int, k: int,
    s_min: float | None, watch: Stopwatch,
    exclude: tuple[int, ...] = (), category: int | None = None,
) -> list[Neighbour]:
    excluded = np.asarray(exclude, dtype=np.int64)
    fetch = k + len(excluded) + _SLACK
    above_floor: Ranked | None = None
    while True:
        with watch.step("search"):
            if s_min is None:
                ranked, complete = space.top(query, fetch)
            else:
                above_floor = above_floor if above_floor is not None else space.at_least(query, s_min)
                ranked, complete = above_floor, True
            ranked = ranked.without(excluded)
            window = ranked.head(fetch)
        with watch.step("hydrate"):
            rows = repository.visible_rows(user_id, window.ids.tolist(), category=category)
        found = [Neighbour(rows[int(i)], float(s)) for i, s in zip(window.ids, window.scores, strict=True)
                 if int(i) in rows][:k]
        if len(found) == k or (complete and fetch >= len(ranked)):
            return found
        fetch *= 4
