"""Every kind of search for one user: text, image, similar, duplicates, OCR and hybrid.

Each takes the caller's user id and a validated request, returns a response model, and records one
search event. CLIP kinds search the user's index plus fresh rows (`space`), then keep only what the
user may still see (`hydrate`).
"""

from __future__ import annotations

import hashlib
from typing import Any, Protocol

import numpy as np

from imagedrive.errors import InvalidInput
from imagedrive.imaging import ImageDecodeError, ImageSource
from imagedrive.indexing.cache import IndexCache
from imagedrive.search import duplicates as dup
from imagedrive.search.events import record_search
from imagedrive.search.fusion import fuse
from imagedrive.search.models import (
    DuplicateGroup,
    DuplicateResponse,
    DuplicateSearch,
    HybridSearch,
    ImageSearch,
    Kind,
    MatchReason,
    OcrSearch,
    SearchHit,
    SearchResponse,
    SimilarSearch,
    TextSearch,
    Timing,
)
from imagedrive.search.nearest import nearest_visible
from imagedrive.search.repository import PostgresSearchRepository, SearchRepository
from imagedrive.search.snippets import snippet
from imagedrive.search.space import SearchSpace, SpaceOpener
from imagedrive.search.timing import Stopwatch
from imagedrive.settings import get_settings
from imagedrive.storage import ObjectRef, ObjectStore, s3_objects


class QueryEncoder(Protocol):
    model_version: str

    def embed_text(self, text: str) -> np.ndarray: ...

    def embed_image(self, image: ImageSource) -> np.ndarray: ...


class SpaceSource(Protocol):
    def open(self, user_id: int, model_version: str) -> SearchSpace: ...


class SearchEngine:
    """Search over its ports: the query encoder (CLIP), the user's search space (index + fresh vectors),
    the database (SearchRepository) and the object store (thumbnail links). The defaults are the real
    adapters; unit tests pass in-memory ones."""

    def __init__(self, embedder: QueryEncoder, cache: IndexCache | None = None, *,
                 spaces: SpaceSource | None = None, repository: SearchRepository | None = None,
                 objects: ObjectStore | None = None) -> None:
        if spaces is None and cache is None:
            raise ValueError("a search engine needs an index cache or a space source")
        self.embedder = embedder
        self.spaces: SpaceSource = spaces or SpaceOpener(cache)  # type: ignore[arg-type]
        self.repository: SearchRepository = repository or PostgresSearchRepository()
        self.objects: ObjectStore = objects or s3_objects()
        self._groupings = dup.GroupingCache()

    # -- CLIP kinds ------------------------------------------------------------------------------

    def text(self, user_id: int, request: TextSearch) -> SearchResponse:
        watch = Stopwatch()
        with watch.step("embed"):
            query = self.embedder.embed_text(request.q)
        response = self._nearest("text", user_id, query, request.k, request.s_min, watch, category=request.category)
        return self._recorded(user_id, response, request.q)

    def image(self, user_id: int, image: bytes, request: ImageSearch) -> SearchResponse:
        """`image`: the query picture's bytes; it is embedded, never stored as a drive image."""
        watch = Stopwatch()
        with watch.step("embed"):
            try:
                query = self.embedder.embed_image(image)
            except ImageDecodeError as error:
                raise InvalidInput(f"the query image cannot be used: {error.message}", code=error.code) from None
        return self._recorded(user_id, self._nearest("image", user_id, query, request.k, request.s_min, watch), None)

    def similar(self, user_id: int, request: SimilarSearch) -> SearchResponse:
        watch = Stopwatch()
        with watch.step("embed"):  # a stored vector: no inference
            query = self.repository.stored_vector(user_id, request.image_id, self.embedder.model_version)
        response = self._nearest("similar", user_id, query, request.k, request.s_min, watch,
                                 exclude=(request.image_id,))
        return self._recorded(user_id, response, None)

    def _nearest(
        self, kind: Kind, user_id: int, query: np.ndarray, k: int, s_min: float | None, watch: Stopwatch, *,
        exclude: tuple[int, ...] = (), category: int | None = None,
    ) -> SearchResponse:
        space = self._space(user_id, watch, category)
        found = nearest_visible(space, query, self.repository, user_id=user_id, k=k, s_min=s_min, watch=watch,
                                exclude=exclude,
                                category=category)
        with watch.step("hydrate"):
            hits = [self._hit(n.row, n.cosine, n.cosine) for n in found]
        return SearchResponse(kind=kind, results=hits, timing=_timing(watch, space))

    def _space(self, user_id: int, watch: Stopwatch, category: int | None = None) -> SearchSpace:
        with watch.step("load"):
            space = self.spaces.open(user_id, self.embedder.model_version)
            if category is not None:
                members = self.repository.category_members(user_id, category)
                space = space.restricted_to(np.asarray(members, dtype=np.int64))
        return space

    # -- duplicates ------------------------------------------------------------------------------

    def duplicates(self, user_id: int, request: DuplicateSearch) -> DuplicateResponse:
        """One page of the user's near-duplicate groups, largest first; the grouping is computed once per state
        of their library and floor, and the following pages read it from memory."""
        settings = get_settings()
        watch = Stopwatch()
        space = self._space(user_id, watch)
        with watch.step("search"):
            own = np.asarray(self.repository.own_ready_ids(user_id), dtype=np.int64)
            key = (user_id, request.s_min, self.embedder.model_version, space.shared_version, space.version,
                   hashlib.sha256(own.tobytes() + space.fresh.positions.tobytes()).hexdigest())
            grouping = self._groupings.get(key, lambda: dup.find_groups(
                *space.own_vectors(own), request.s_min, exact_max=settings.search_duplicates_exact_max,
                max_pairs=settings.search_duplicates_max_pairs))
        ids, best = grouping.ids, grouping.best
        with watch.step("hydrate"):
            shown = grouping.groups[request.offset: request.offset + request.max_groups]
            rows = self.repository.visible_rows(user_id, [int(ids[r]) for g in shown for r in g])
            hydrated = []
            for group in shown:
                members = [self._hit(rows[int(ids[r])], float(best[r]), float(best[r]))
                           for r in group if int(ids[r]) in rows]
                if len(members) > 1:
                    hydrated.append(DuplicateGroup(images=members, max_cosine=max(m.score for m in members)))
        end = request.offset + len(shown)
        response = DuplicateResponse(
            s_min=request.s_min, group_count=len(grouping.groups),
            images_in_groups=sum(len(g) for g in grouping.groups), groups=hydrated, offset=request.offset,
            next_offset=end if end < len(grouping.groups) else None, timing=_timing(watch, space),
        )
        record_search(self.repository, user_id, "duplicates", latency_ms=response.timing.total_ms,
                      result_count=response.group_count,
                      query_text=None)
        return response

    # -- text in pictures --------------------------------------------------------------------------

    def ocr(self, user_id: int, request: OcrSearch) -> SearchResponse:
        watch = Stopwatch()
        with watch.step("search"):
            matches = self.repository.find_text(user_id, request.q, request.k)
        with watch.step("hydrate"):
            hits = [self._hit(m.row, m.relevance, None, text=m.row["text"], q=request.q,
                         reasons=[MatchReason(source="ocr", rank=rank, score=round(m.relevance, 6))])
                    for rank, m in enumerate(matches, start=1)]
        return self._recorded(user_id, SearchResponse(kind="ocr", results=hits, timing=watch.timing()), request.q)

    def hybrid(self, user_id: int, request: HybridSearch) -> SearchResponse:
        """CLIP text search and OCR search fused by reciprocal rank; each hit says which matched."""
        watch = Stopwatch()
        pool = min(get_settings().search_k_max, max(2 * request.k, 50))
        with watch.step("embed"):
            query = self.embedder.embed_text(request.q)
        space = self._space(user_id, watch, request.category)
        clip = nearest_visible(space, query, self.repository, user_id=user_id, k=pool, s_min=None, watch=watch,
                               category=request.category)
        with watch.step("search"):
            texts = self.repository.find_text(user_id, request.q, pool)
            if request.category is not None:
                members = set(self.repository.category_members(user_id, request.category))
                texts = [t for t in texts if t.row["id"] in members]
            fused = fuse({"clip": [(n.row["id"], n.cosine) for n in clip],
                          "ocr": [(t.row["id"], t.relevance) for t in texts]}, get_settings().search_rrf_k)[: request.k]
        with watch.step("hydrate"):
            rows = {n.row["id"]: n.row for n in clip} | {t.row["id"]: t.row for t in texts}
            cosines = {n.row["id"]: n.cosine for n in clip}
            missing = [f.id for f in fused if f.id not in cosines]
            stored = self.repository.stored_vectors(missing, self.embedder.model_version)
            cosines |= {i: float(v @ query) for i, v in stored.items()}
            hits = [self._hit(rows[f.id], f.score, cosines.get(f.id), text=rows[f.id].get("text"), q=request.q,
                         reasons=f.reasons) for f in fused]
        response = SearchResponse(kind="hybrid", results=hits, timing=_timing(watch, space))
        return self._recorded(user_id, response, request.q)

    def _recorded(self, user_id: int, response: SearchResponse, query_text: str | None) -> SearchResponse:
        record_search(self.repository, user_id, response.kind, latency_ms=response.timing.total_ms,
                      result_count=len(response.results), query_text=query_text)
        return response


    def _hit(
        self, row: dict[str, Any], score: float, cosine: float | None, *, text: str | None = None, q: str | None = None,
        reasons: list[MatchReason] | None = None,
    ) -> SearchHit:
        piece, spans = snippet(text, q) if text and q else (None, [])
        return SearchHit(
            id=row["id"], filename=row["filename"], owner_id=row["owner_id"], visibility=row["visibility"],
            score=round(score, 6), cosine=None if cosine is None else round(cosine, 6),
            thumbnail_url=self._thumbnail_url(row),
            snippet=piece, highlights=spans, reasons=reasons or [],
        )

    def _thumbnail_url(self, row: dict[str, Any]) -> str | None:
        key = row["thumbnail_key"]
        return self.objects.presigned_get(ObjectRef(get_settings().derived_bucket, key)) if key else None


def _timing(watch: Stopwatch, space: SearchSpace) -> Timing:
    return watch.timing(index_version=space.version, shared_index_version=space.shared_version,
                        index_size=space.size, fresh_size=space.fresh.size)
