"""The shapes the image routes read and return."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from imagedrive.ids import DbId

Status = Literal["PENDING", "READY", "FAILED"]
Visibility = Literal["private", "public", "system"]
Sort = Literal["newest", "oldest", "name", "size"]
Source = Literal["upload", "drop", "import"]
CategorySource = Literal["manual", "auto"]


class ImageQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    scope: Literal["visible", "mine"] = Field("visible", description="visible: yours plus public and system")
    status: Status | None = None
    visibility: Visibility | None = None
    category: DbId | None = None
    q: str | None = Field(None, min_length=1, max_length=200, description="part of the file name")
    uploaded_from: AwareDatetime | None = None
    uploaded_to: AwareDatetime | None = None
    sort: Sort = "newest"
    limit: int = Field(50, ge=1, le=100)
    cursor: str | None = Field(None, max_length=1024)


class ImageCategory(BaseModel):
    id: int
    name: str
    system: bool
    source: CategorySource
    score: float | None


class ImageSummary(BaseModel):
    id: int
    filename: str
    owner_id: int
    owner: str
    is_owner: bool
    mime: str | None
    width: int | None
    height: int | None
    size: int
    status: Status
    visibility: Visibility
    uploaded_at: datetime
    thumbnail_url: str | None
    error: str | None  # why a FAILED image failed, so a listing can say it without a request per card


class ImageDetail(ImageSummary):
    checksum: str
    source: Source
    updated_at: datetime
    ready_at: datetime | None
    ocr_text: str | None
    ocr_confidence: float | None
    categories: list[ImageCategory]


class ImagePage(BaseModel):
    items: list[ImageSummary]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


class ImagePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    filename: str | None = Field(None, min_length=1, max_length=255)
    visibility: Visibility | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> ImagePatch:
        if self.filename is None and self.visibility is None:
            raise ValueError("give a filename or a visibility to change")
        return self


class Link(BaseModel):
    url: str
    expires_in: int


class DownloadLink(Link):
    filename: str


class FormatCount(BaseModel):
    mime: str | None
    count: int
    bytes: int


class ImageStats(BaseModel):
    count: int
    storage_bytes: int
    by_status: dict[str, int]
    by_format: list[FormatCount]


class ClearLibrary(BaseModel):
    model_config = ConfigDict(extra="forbid")
    confirm: Literal["DELETE ALL"] = Field(description='must be exactly "DELETE ALL"')


class ClearedLibrary(BaseModel):
    deleted: int
