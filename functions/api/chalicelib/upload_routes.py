"""POST /upload and /upload/batch: presigned POSTs into the originals bucket."""

from __future__ import annotations

from imagedrive.api.endpoint import Call, Routes, endpoint
from imagedrive.uploads.models import BatchUploadRequest, BatchUploadResponse, PresignedPost, UploadRequest
from imagedrive.uploads.presign import presign_batch, presign_upload

routes = Routes()


@endpoint(routes, "/upload", "POST", summary="A presigned POST for one image", tag="upload", body=UploadRequest,
          response=PresignedPost, errors=(413, 415))
def upload(call: Call) -> PresignedPost:
    return presign_upload(call.me, call.body)


@endpoint(routes, "/upload/batch", "POST", summary="Presigned POSTs for many images, with a reason for each refusal",
          tag="upload", body=BatchUploadRequest, response=BatchUploadResponse)
def upload_batch(call: Call) -> BatchUploadResponse:
    return presign_batch(call.me, call.body)
