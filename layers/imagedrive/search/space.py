"""Everything one user may find right now: the shared index, their private index, and the rows changed since
either was built.

The shared index (public and system images) and the private one (the user's other images) are disjoint and
together hold exactly what the user may see (imagedrive.indexing.scope), so the best k of their union is the
best k of the two best-k lists merged, and the rows above a cosine floor are the two sets joined: the same
answer as one flat index over the union (tests/unit/search/test_space_merge.py plants vectors to check it).

Freshness: for each index, its rows stamped after its watermark are read from Postgres on every search and
searched by brute force; where an id is in an index and the fresh set, the fresh vector wins (and an id in both
indexes, while one of them catches up with a change of visibility, counts once). Rows deleted or hidden since a
build are still in that index: hydration drops them, so a public image made private leaves every other user's
results at once. (A change whose transaction began before a build's snapshot but committed after it carries an
older stamp; it also marked the index stale and asked for a rebuild, and that build includes it.)
An index that does not exist yet is built on the spot; if even that fails, the user's vectors are searched
straight from Postgres, so a search never fails because the builder has not run. An index whose files are
missing or unreadable is served the same way, and its rebuild requested.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np

from imagedrive.db import transaction
from imagedrive.indexing import versions
from imagedrive.indexing.builder import build_user_index
from imagedrive.indexing.cache import IndexCache
from imagedrive.indexing.flat_index import FlatIndex, Ranked
from imagedrive.indexing.scope import IndexScope, scopes_searched_by
from imagedrive.indexing.search_index import SearchIndex
from imagedrive.indexing.stale import request_repair
from imagedrive.indexing.store import IndexUnavailable
from imagedrive.indexing.vectors import VectorSet, read_fresh, read_visible
from imagedrive.indexing.versions import IndexVersion
from imagedrive.log import logger
from imagedrive.settings import get_settings


@dataclass(frozen=True)
class SearchSpace:
    indexes: tuple[SearchIndex, ...]  # disjoint when built: (shared, private), or one read from Postgres
    fresh: FlatIndex
    version: int | None  # the private index's version; None: read straight from Postgres
    shared_version: int | None = None

    @property
    def size(self) -> int:
        return sum(index.size for index in self.indexes)

    @property
    def dim(self) -> int:
        return self.fresh.dim

    def top(self, query: np.ndarray, fetch: int) -> tuple[Ranked, bool]:
        """The best `fetch` candidates of the union, exactly, and whether no other candidate exists.

        Each index is asked for `fetch`; when ids it returned were dropped in the merge (a fresh vector replaces
        them, or the other index holds them too) an unread row of it could still belong in the head, so it is
        asked again for twice as many, until its last row read scores no better than the fetch-th merged row."""
        asked = [fetch] * len(self.indexes)
        fresh = self.fresh.top_k(query, self.fresh.size)
        while True:
            parts = [index.top_k(query, n) for index, n in zip(self.indexes, asked, strict=True)]
            merged = self._merged(parts, fresh)
            short = [n for n, (index, part) in enumerate(zip(self.indexes, parts, strict=True))
                     if asked[n] < index.size and not _covered(part, merged, fetch)]
            if not short:
                return merged, all(n >= index.size for n, index in zip(asked, self.indexes, strict=True))
            for n in short:
                asked[n] *= 2

    def at_least(self, query: np.ndarray, s_min: float) -> Ranked:
        return self._merged([index.at_least(query, s_min) for index in self.indexes], self.fresh.at_least(query, s_min))

    def _merged(self, indexed: list[Ranked], fresh: Ranked) -> Ranked:
        """One ranking: an id with a fresh vector is scored by it alone (even when that one falls below a floor
        its indexed copy passes), and an id in two indexes (a visibility change half rebuilt) counts once."""
        merged = Ranked.empty()
        for ranked in indexed:
            merged = merged.merged_with(ranked)
        return merged.without(self.fresh.positions).merged_with(fresh)

    def restricted_to(self, ids: np.ndarray) -> SearchSpace:
        return replace(self, indexes=tuple(index.subset(np.isin(index.positions, ids)) for index in self.indexes),
                       fresh=self.fresh.subset(np.isin(self.fresh.positions, ids)))

    def own_vectors(self, own_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of the given images, once each, fresh vectors replacing indexed ones."""
        taken = self.fresh.positions
        ids, vectors = [self.fresh.positions[np.isin(taken, own_ids)]], [self.fresh.vectors()[np.isin(taken, own_ids)]]
        for index in self.indexes:
            rows = np.isin(index.positions, own_ids) & ~np.isin(index.positions, taken)
            ids.append(index.positions[rows])
            vectors.append(np.asarray(index.vectors()[rows]))
            taken = np.concatenate([taken, index.positions[rows]])
        return np.concatenate(ids), np.concatenate(vectors).reshape(-1, self.dim)


def _covered(part: Ranked, merged: Ranked, fetch: int) -> bool:
    """Whether no row beyond those `part` returned can enter the best `fetch` of `merged`."""
    return len(merged) >= fetch and bool(part.scores[-1] <= merged.scores[fetch - 1])


class SpaceOpener:
    def __init__(self, cache: IndexCache) -> None:
        self.cache = cache
        self._lock = threading.Lock()
        self._building: dict[int, threading.Lock] = {}

    def open(self, user_id: int, model_version: str) -> SearchSpace:
        limit = get_settings().search_fresh_max
        with transaction() as cur:  # the usual case, both indexes current: one round of queries
            scopes = scopes_searched_by(cur, user_id)
            current = [versions.current(cur, scope.owner_id) for scope in scopes]
            usable = [v for v in current if v is not None and v.model_version == model_version]
            fresh = (read_fresh(cur, user_id, model_version, _watermarks(scopes, usable), limit + 1)
                     if len(usable) == len(scopes) else None)
        if fresh is None:
            built = [version if version is not None and version.model_version == model_version
                     else self._build_once(scope.owner_id, model_version)
                     for scope, version in zip(scopes, current, strict=True)]
            usable = [version for version in built if version is not None]
            if len(usable) < len(scopes):
                return self._from_postgres(user_id, model_version)
            fresh = self._fresh(user_id, model_version, scopes, usable, limit + 1)
        if len(fresh) > limit:
            logger.info("indexes too far behind; rebuilding before searching", extra={"user_id": user_id})
            usable = [self._build(scope.owner_id, model_version) or version
                      for scope, version in zip(scopes, usable, strict=True)]
            fresh = self._fresh(user_id, model_version, scopes, usable, None)
        indexes = []
        for version in usable:
            try:
                indexes.append(self.cache.get(version))
            except IndexUnavailable as error:
                return self._instead_of_missing(user_id, version.user_id, model_version, error)
        shared, private = usable
        return SearchSpace(tuple(indexes), _as_index(fresh, indexes[0].dim), private.version, shared.version)

    @staticmethod
    def _fresh(user_id: int, model_version: str, scopes: tuple[IndexScope, ...], built: list[IndexVersion],
               limit: int | None) -> VectorSet:
        with transaction() as cur:
            return read_fresh(cur, user_id, model_version, _watermarks(scopes, built), limit)

    def _instead_of_missing(self, user_id: int, owner_id: int, model_version: str,
                            error: IndexUnavailable) -> SearchSpace:
        """A lost or damaged index never fails a search: this one is served from Postgres (brute force,
        like the fresh rows) and a rebuild of the index is requested."""
        logger.warning("index unavailable; searching Postgres and requesting a rebuild",
                       extra={"user_id": user_id, "index_owner": owner_id, "error": str(error)})
        try:
            request_repair([owner_id])
        except Exception:
            logger.exception("rebuild request failed", extra={"user_id": user_id, "index_owner": owner_id})
        return self._from_postgres(user_id, model_version)

    def _build_once(self, owner_id: int, model_version: str) -> IndexVersion | None:
        """Concurrent first searches wait for one build of an index instead of each building a version (all
        users' first searches share the shared index's)."""
        with self._lock:
            building = self._building.setdefault(owner_id, threading.Lock())
        with building:
            with transaction() as cur:
                current = versions.current(cur, owner_id)
            if current is not None and current.model_version == model_version:
                return current  # built by the request this one waited for
            return self._build(owner_id, model_version)

    def _build(self, owner_id: int, model_version: str) -> IndexVersion | None:
        try:
            build_user_index(owner_id, model_version, store=self.cache.store)
        except Exception:
            logger.exception("on-demand index build failed; searching Postgres directly",
                             extra={"index_owner": owner_id})
            return None
        with transaction() as cur:
            current = versions.current(cur, owner_id)
        if current is None or current.model_version != model_version:
            logger.warning("the current index holds another model's vectors",
                           extra={"index_owner": owner_id, "wanted": model_version})
            return None
        return current

    @staticmethod
    def _from_postgres(user_id: int, model_version: str) -> SearchSpace:
        with transaction() as cur:
            everything = read_visible(cur, user_id, model_version)
        main = _as_index(everything, everything.vectors.shape[1] or 1)
        return SearchSpace((main,), FlatIndex.empty(main.dim), None)


def _watermarks(scopes: tuple[IndexScope, ...], built: list[IndexVersion]) -> list[tuple[IndexScope, datetime | None]]:
    return [(scope, version.watermark) for scope, version in zip(scopes, built, strict=True)]


def _as_index(vectors: VectorSet, dim: int) -> FlatIndex:
    return FlatIndex.build(vectors.vectors, vectors.ids) if len(vectors) else FlatIndex.empty(dim)
