"""The shapes of upload requests and the presigned POSTs they get back."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from imagedrive.errors import ErrorDetail


class UploadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    filename: str = Field(min_length=1, max_length=255)
    content_type: str = Field(min_length=1, max_length=100, description="an image type, e.g. image/jpeg")
    size: int = Field(ge=1, le=2**53, description="bytes; checked again by S3 against the limit")


class BatchUploadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    files: list[UploadRequest] = Field(min_length=1, max_length=1000)


class PresignedPost(BaseModel):
    """POST `fields` plus the file (as the last form field, named `file`) to `url`."""

    url: str
    key: str
    fields: dict[str, str]
    expires_in: int
    max_bytes: int


class BatchUploadItem(BaseModel):
    filename: str
    upload: PresignedPost | None = None
    error: ErrorDetail | None = None


class BatchUploadResponse(BaseModel):
    items: list[BatchUploadItem]


class UploadLimits(BaseModel):
    """What an upload may be, so a client can refuse a file before sending anything."""

    content_types: list[str]
    max_bytes: int
    batch_max: int
