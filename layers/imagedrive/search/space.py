"""Everything one user may find right now: their current index plus the rows changed since it was built.

Freshness: rows stamped after the index watermark are read from Postgres on every search and searched by
brute force; where an id is in both, the fresh vector wins. Rows deleted or hidden since the build are
still in the index: hydration drops them. (A change whose transaction began before the build's snapshot
but committed after it carries an older stamp; it also marked the user stale and asked for a rebuild, and
that build, which follows within seconds, includes it.)
A user without a usable index gets one built on the spot; if even that fails, their vectors are
searched straight from Postgres, so a search never fails because the builder has not run. An index
whose files are missing or unreadable is served the same way, and its rebuild requested.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

import numpy as np

from imagedrive.db import transaction
from imagedrive.indexing import versions
from imagedrive.indexing.builder import build_user_index
from imagedrive.indexing.cache import IndexCache
from imagedrive.indexing.flat_index import FlatIndex, Ranked
from imagedrive.indexing.stale import request_repair
from imagedrive.indexing.store import IndexUnavailable
from imagedrive.indexing.vectors import VectorSet, read_changed, read_visible
from imagedrive.indexing.versions import IndexVersion
from imagedrive.log import logger
from imagedrive.settings import get_settings


@dataclass(frozen=True)
class SearchSpace:
    main: FlatIndex
    fresh: FlatIndex
    version: int | None  # None: an unpublished index read straight from Postgres

    def top(self, query: np.ndarray, fetch: int) -> tuple[Ranked, bool]:
        """The best `fetch` candidates of both parts, and whether no other candidate exists."""
        ranked = self.main.top_k(query, fetch).merged_with(self.fresh.top_k(query, self.fresh.size))
        return ranked, fetch >= self.main.size

    def at_least(self, query: np.ndarray, s_min: float) -> Ranked:
        return self.main.at_least(query, s_min).merged_with(self.fresh.at_least(query, s_min))

    def restricted_to(self, ids: np.ndarray) -> SearchSpace:
        return replace(self, main=self.main.subset(np.isin(self.main.positions, ids)),
                       fresh=self.fresh.subset(np.isin(self.fresh.positions, ids)))

    def own_vectors(self, own_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of the given images, fresh vectors replacing indexed ones."""
        in_main = np.isin(self.main.positions, own_ids) & ~np.isin(self.main.positions, self.fresh.positions)
        in_fresh = np.isin(self.fresh.positions, own_ids)
        ids = np.concatenate([self.main.positions[in_main], self.fresh.positions[in_fresh]])
        vectors = np.concatenate([self.main.vectors()[in_main], self.fresh.vectors()[in_fresh]])
        return ids, vectors


class SpaceOpener:
    def __init__(self, cache: IndexCache) -> None:
        self.cache = cache
        self._lock = threading.Lock()
        self._building: dict[int, threading.Lock] = {}

    def open(self, user_id: int, model_version: str) -> SearchSpace:
        settings = get_settings()
        with transaction() as cur:
            current = versions.current(cur, user_id)
        if current is None or current.model_version != model_version:
            current = self._build_once(user_id, model_version)
            if current is None:
                return self._from_postgres(user_id, model_version)
        with transaction() as cur:
            fresh = read_changed(cur, user_id, model_version, current.watermark, settings.search_fresh_max + 1)
        if len(fresh) > settings.search_fresh_max:
            logger.info("index too far behind; rebuilding before searching", extra={"user_id": user_id})
            current = self._build(user_id, model_version) or current
            with transaction() as cur:
                fresh = read_changed(cur, user_id, model_version, current.watermark)
        try:
            main = self.cache.get(current)
        except IndexUnavailable as error:
            return self._instead_of_missing(user_id, model_version, error)
        return SearchSpace(main, _as_index(fresh, main.dim), current.version)

    def _instead_of_missing(self, user_id: int, model_version: str, error: IndexUnavailable) -> SearchSpace:
        """A lost or damaged index never fails a search: this one is served from Postgres (brute force,
        like the fresh rows) and a rebuild is requested."""
        logger.warning("index unavailable; searching Postgres and requesting a rebuild",
                       extra={"user_id": user_id, "error": str(error)})
        try:
            request_repair([user_id])
        except Exception:
            logger.exception("rebuild request failed", extra={"user_id": user_id})
        return self._from_postgres(user_id, model_version)

    def _build_once(self, user_id: int, model_version: str) -> IndexVersion | None:
        """Concurrent first searches of one user wait for one build instead of each building a version."""
        with self._lock:
            building = self._building.setdefault(user_id, threading.Lock())
        with building:
            with transaction() as cur:
                current = versions.current(cur, user_id)
            if current is not None and current.model_version == model_version:
                return current  # built by the request this one waited for
            return self._build(user_id, model_version)

    def _build(self, user_id: int, model_version: str) -> IndexVersion | None:
        try:
            build_user_index(user_id, model_version, store=self.cache.store)
        except Exception:
            logger.exception("on-demand index build failed; searching Postgres directly", extra={"user_id": user_id})
            return None
        with transaction() as cur:
            current = versions.current(cur, user_id)
        if current is None or current.model_version != model_version:
            logger.warning("the current index holds another model's vectors",
                           extra={"user_id": user_id, "wanted": model_version})
            return None
        return current

    @staticmethod
    def _from_postgres(user_id: int, model_version: str) -> SearchSpace:
        with transaction() as cur:
            everything = read_visible(cur, user_id, model_version)
        main = _as_index(everything, everything.vectors.shape[1] or 1)
        return SearchSpace(main, FlatIndex.empty(main.dim), None)


def _as_index(vectors: VectorSet, dim: int) -> FlatIndex:
    return FlatIndex.build(vectors.vectors, vectors.ids) if len(vectors) else FlatIndex.empty(dim)
