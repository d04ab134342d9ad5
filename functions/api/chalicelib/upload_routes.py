"""POST /upload and /upload/batch: presigned POSTs into the originals bucket; GET /upload/limits."""

from __future__ import annotations

from imagedrive.api.endpoint import Call, Routes, endpoint
from imagedrive.settings import get_settings
from imagedrive.uploads.models import (
    BatchUploadRequest,
    BatchUploadResponse,
    PresignedPost,
    UploadLimits,
    UploadRequest,
)
from imagedrive.uploads.presign import upload_service

routes = Routes()


@endpoint(routes, "/upload", "POST", summary="A presigned POST for one image", tag="upload", body=UploadRequest,
          response=PresignedPost, errors=(413, 415))
def upload(call: Call) -> PresignedPost:
    return upload_service().presign_upload(call.me, call.body)


@endpoint(routes, "/upload/batch", "POST", summary="Presigned POSTs for many images, with a reason for each refusal",
          tag="upload", body=BatchUploadRequest, response=BatchUploadResponse)
def upload_batch(call: Call) -> BatchUploadResponse:
    return upload_service().presign_batch(call.me, call.body)


@endpoint(routes, "/upload/limits", "GET", summary="Accepted image types, the largest upload and the batch size",
          tag="upload", response=UploadLimits)
def upload_limits(call: Call) -> UploadLimits:
    settings = get_settings()
    return UploadLimits(content_types=list(settings.upload_content_types), max_bytes=settings.max_upload_bytes,
                        batch_max=settings.upload_batch_max)
