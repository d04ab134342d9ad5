"""The shapes of the analytics routes."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Scope = Literal["own", "all"]
ExportFormat = Literal["csv", "json"]


class SummaryQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    days: int = Field(30, ge=1, le=366, description="how far back the per-day series go")


class CategoryCount(BaseModel):
    id: int
    name: str
    count: int


class DayCount(BaseModel):
    day: dt.date
    count: int


class SearchDayCount(DayCount):
    kind: str


class SearchStats(BaseModel):
    total: int
    per_day: list[SearchDayCount]
    zero_result_rate: float | None = Field(description="share of searches with no result; null without searches")
    p50_latency_ms: float | None
    p95_latency_ms: float | None


class IngestFailure(BaseModel):
    id: int
    filename: str
    error: str | None
    at: dt.datetime


class IngestFailures(BaseModel):
    failed_images: int
    events: dict[str, int] = Field(description="failure audit events in the period, by action")
    recent: list[IngestFailure]


class Summary(BaseModel):
    scope: Scope = Field(description="own: the caller's images and searches; all: an admin's whole drive")
    days: int
    images_total: int
    storage_bytes: int
    by_status: dict[str, int]
    by_visibility: dict[str, int]
    by_format: dict[str, int]
    by_category: list[CategoryCount]
    uploads_per_day: list[DayCount]
    searches: SearchStats
    ingest_failures: IngestFailures


class ExportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: ExportFormat


class ExportJob(BaseModel):
    id: str
    format: ExportFormat
    scope: Scope
    status: Literal["running", "done", "failed"]
    rows_written: int
    total_rows: int
    progress: float = Field(ge=0, le=1)
    bytes_written: int
    download_url: str | None = Field(description="a short-lived link to the file, once done")
    error: str | None
    created_at: dt.datetime
    finished_at: dt.datetime | None
