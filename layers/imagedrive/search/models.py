"""The shapes every kind of search reads and returns (no numpy here: the API imports these)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from imagedrive.ids import DbId
from imagedrive.settings import get_settings

Kind = Literal["text", "image", "similar", "duplicates", "ocr", "hybrid"]
Source = Literal["clip", "ocr"]
Cosine = Field(None, ge=-1.0, le=1.0, description="only results with cosine ≥ s_min (r² = 2 − 2·s_min)")


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")
    k: int = Field(default_factory=lambda: get_settings().search_k_default, ge=1, description="at most 200")

    @field_validator("k")
    @classmethod
    def _k_within_limit(cls, k: int) -> int:
        limit = get_settings().search_k_max
        if k > limit:
            raise ValueError(f"k must be at most {limit}")
        return k


class _Query(_Request):
    q: str = Field(min_length=1, max_length=500)

    @field_validator("q")
    @classmethod
    def _not_blank(cls, q: str) -> str:
        if not q.strip():
            raise ValueError("q must contain more than spaces")
        return q.strip()


class TextSearch(_Query):
    s_min: float | None = Cosine
    category: DbId | None = Field(None, description="only images in this category")


class ImageSearch(_Request):
    s_min: float | None = Cosine


class SimilarSearch(_Request):
    image_id: DbId
    s_min: float | None = Cosine


class OcrSearch(_Query):
    pass


class HybridSearch(_Query):
    category: DbId | None = None


class DuplicateSearch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    s_min: float = Field(default_factory=lambda: get_settings().search_duplicates_s_min, ge=0.8, le=1.0)
    max_groups: int = Field(100, ge=1, le=1000, description="groups per page")
    offset: int = Field(0, ge=0, description="groups to skip: the previous reply's next_offset")


class MatchReason(BaseModel):
    source: Source  # clip: the picture matches the words; ocr: the words are written in the picture
    rank: int
    score: float


class SearchHit(BaseModel):
    id: int
    filename: str
    owner_id: int
    visibility: Literal["private", "public", "system"]
    score: float = Field(description="what the results are ordered by: cosine, OCR relevance or fused rank")
    cosine: float | None = Field(description="cosine between the query and the image's CLIP vector")
    thumbnail_url: str | None
    snippet: str | None = None
    highlights: list[tuple[int, int]] = Field(default_factory=list, description="[start, end) in snippet")
    reasons: list[MatchReason] = Field(default_factory=list)


class Timing(BaseModel):
    embed_ms: float = 0.0
    load_ms: float = 0.0
    search_ms: float = 0.0
    hydrate_ms: float = 0.0
    total_ms: float = 0.0
    index_version: int | None = Field(None, description="the version of the user's private index searched")
    shared_index_version: int | None = Field(None, description="the version of the shared (public and system) index")
    index_size: int = Field(0, description="vectors in the indexes searched")
    fresh_size: int = Field(0, description="vectors changed since the index was built, searched directly")


class ModelNotice(BaseModel):
    """Which CLIP model answered, and in words when its ranking means nothing (random-init weights)."""
    model_version: str | None = Field(None, description="the CLIP model_version the vectors belong to")
    model_warning: str | None = Field(None, description="set when CLIP is random-init: results are in random order")


class SearchResponse(ModelNotice):
    kind: Kind
    results: list[SearchHit]
    timing: Timing


class DuplicateGroup(BaseModel):
    images: list[SearchHit]  # score: the best cosine to another image of the group
    max_cosine: float


class DuplicateResponse(ModelNotice):
    kind: Literal["duplicates"] = "duplicates"
    s_min: float
    group_count: int
    images_in_groups: int
    groups: list[DuplicateGroup]  # largest first, at most max_groups
    offset: int = 0
    next_offset: int | None = Field(None, description="where the next page starts; null on the last page")
    timing: Timing
