"""SearchRepository in memory (imagedrive.search.repository.SearchRepository), and a space source that
indexes what the fake holds (what the index builder would have built from Postgres)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from imagedrive.errors import Conflict, NotFound
from imagedrive.indexing.flat_index import FlatIndex
from imagedrive.search.models import Kind
from imagedrive.search.repository import TextMatch
from imagedrive.search.space import SearchSpace
from imagedrive.visibility import can_see


@dataclass
class SearchableImage:
    id: int
    owner_id: int
    vector: np.ndarray
    visibility: str = "private"
    status: str = "READY"
    text: str | None = None
    categories: set[int] = field(default_factory=set)
    model_version: str = "test-model"

    def row(self) -> dict[str, Any]:
        return {"id": self.id, "filename": f"{self.id}.png", "owner_id": self.owner_id,
                "visibility": self.visibility, "thumbnail_key": f"thumbnails/{self.owner_id}/{self.id}.jpg",
                "text": self.text}


class MemorySearchRepository:
    def __init__(self) -> None:
        self.images: dict[int, SearchableImage] = {}
        self.user_categories: dict[int, int | None] = {}  # category id → owner (None: system)
        self.events: list[dict[str, Any]] = []

    def add(self, image: SearchableImage) -> SearchableImage:
        self.images[image.id] = image
        return image

    def _visible(self, user_id: int, image_id: int) -> SearchableImage | None:
        image = self.images.get(image_id)
        ok = image is not None and image.status == "READY" and can_see(user_id, image.owner_id, image.visibility)
        return image if ok else None

    def stored_vector(self, user_id: int, image_id: int, model_version: str) -> np.ndarray:
        image = self._visible(user_id, image_id)
        if image is None:
            raise NotFound("no such image")
        if image.model_version != model_version:
            raise Conflict("this image is not embedded with the current model yet", code="not_embedded")
        return image.vector

    def stored_vectors(self, image_ids: list[int], model_version: str) -> dict[int, np.ndarray]:
        return {i: self.images[i].vector for i in image_ids
                if i in self.images and self.images[i].model_version == model_version}

    def own_ready_ids(self, user_id: int) -> np.ndarray:
        return np.asarray([i.id for i in self.images.values() if i.owner_id == user_id and i.status == "READY"],
                          dtype=np.int64)

    def visible_rows(self, user_id: int, ids: list[int], *, category: int | None = None
                     ) -> dict[int, dict[str, Any]]:
        found = {}
        for image_id in ids:
            image = self._visible(user_id, image_id)
            if image is not None and (category is None or category in image.categories):
                found[image_id] = image.row()
        return found

    def category_members(self, user_id: int, category: int) -> list[int]:
        if category not in self.user_categories or self.user_categories[category] not in (None, user_id):
            raise NotFound("no such category", code="category_not_found")
        return [i.id for i in self.images.values() if category in i.categories]

    def find_text(self, user_id: int, q: str, k: int) -> list[TextMatch]:
        """The whole query as a substring, or every query word present (Postgres adds fuzzy matching and a
        finer relevance)."""
        needle = q.strip().lower()

        def matches_text(text: str) -> bool:
            return needle in text.lower() or all(word in text.lower() for word in needle.split())

        matches = [TextMatch(image.row(), 1.0) for image in sorted(self.images.values(), key=lambda i: i.id)
                   if image.text and matches_text(image.text) and self._visible(user_id, image.id)]
        return matches[:k]

    def insert_search_event(self, user_id: int, kind: Kind, *, latency_ms: float, result_count: int,
                            query_text: str | None) -> None:
        self.events.append({"user_id": user_id, "kind": kind, "result_count": result_count, "query": query_text})


class IndexedAtBuild:
    """A SpaceSource whose index is a snapshot of the repository at `build()`: later changes (an image made
    private, deleted) are what hydration must catch, as with a real index built before them."""

    def __init__(self, repository: MemorySearchRepository) -> None:
        self.repository = repository
        self.snapshot: dict[int, SearchSpace] = {}

    def build(self, user_id: int) -> None:
        visible = [i for i in self.repository.images.values()
                   if i.status == "READY" and can_see(user_id, i.owner_id, i.visibility)]
        dim = len(visible[0].vector) if visible else 4
        main = (FlatIndex.build(np.stack([i.vector for i in visible]), np.asarray([i.id for i in visible]))
                if visible else FlatIndex.empty(dim))
        self.snapshot[user_id] = SearchSpace((main,), FlatIndex.empty(dim), version=1)

    def open(self, user_id: int, model_version: str) -> SearchSpace:
        if user_id not in self.snapshot:
            self.build(user_id)
        return self.snapshot[user_id]
