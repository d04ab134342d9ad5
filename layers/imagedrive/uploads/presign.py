"""Presigned POSTs to uploads/{user}/{uuid}/{name}. The policy is S3's to enforce: the size limit
and the declared image type are conditions, so a client that lies about either is refused by S3.

`UploadService` takes its ports (a `PostSigner`, and imagedrive.services.ServicePorts); `upload_service()`
is the process's instance on S3 and Postgres, for composition roots.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Protocol

from imagedrive import storage
from imagedrive.auth.models import CurrentUser
from imagedrive.aws import client
from imagedrive.errors import DomainError, ErrorDetail, InvalidInput, PayloadTooLarge, UnsupportedMediaType
from imagedrive.services import ServicePorts
from imagedrive.storage import ObjectRef
from imagedrive.uploads.models import (
    BatchUploadItem,
    BatchUploadRequest,
    BatchUploadResponse,
    PresignedPost,
    UploadRequest,
)


@dataclass(frozen=True)
class SignedPost:
    url: str
    fields: dict[str, str]


class PostSigner(Protocol):
    def presigned_post(self, ref: ObjectRef, *, content_type: str, max_bytes: int, ttl_s: int) -> SignedPost:
        """A POST that stores one object of this type and at most this size at `ref`, for `ttl_s` seconds."""
        ...


class S3PostSigner:
    def presigned_post(self, ref: ObjectRef, *, content_type: str, max_bytes: int, ttl_s: int) -> SignedPost:
        post = client("s3").generate_presigned_post(
            Bucket=ref.bucket, Key=ref.key, Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]], ExpiresIn=ttl_s,
        )
        return SignedPost(str(post["url"]), dict(post["fields"]))


@dataclass
class UploadService(ServicePorts):
    signer: PostSigner

    def presign_upload(self, user: CurrentUser, request: UploadRequest) -> PresignedPost:
        post = self._presign(request, storage.upload_key(user.id, request.filename))
        with self.transaction() as cur:
            self.audit.record(cur, "upload.presign", user_id=user.id, target_id=post.key, size=request.size)
        return post

    def presign_query_image(self, user: CurrentUser, request: UploadRequest) -> PresignedPost:
        """A presigned POST under queries/{user}/ for POST /search/image {key}: outside the ingest
        prefixes, so the picture never becomes a drive image, and read (then deleted) only by its owner's search."""
        return self._presign(request, storage.query_key(user.id, request.filename))

    def presign_batch(self, user: CurrentUser, batch: BatchUploadRequest) -> BatchUploadResponse:
        """One answer a file: its presigned POST, or why it cannot be uploaded (the rest still can)."""
        limit = self.settings.upload_batch_max
        if len(batch.files) > limit:
            raise InvalidInput(f"at most {limit} files a batch", code="batch_too_large", details={"max": limit})
        items = []
        for request in batch.files:
            try:
                upload = self._presign(request, storage.upload_key(user.id, request.filename))
                items.append(BatchUploadItem(filename=request.filename, upload=upload))
            except DomainError as error:
                items.append(BatchUploadItem(filename=request.filename, error=ErrorDetail.of(error)))
        keys = [item.upload.key for item in items if item.upload]
        with self.transaction() as cur:
            self.audit.record(cur, "upload.presign_batch", user_id=user.id, keys=keys,
                              refused=len(items) - len(keys))
        return BatchUploadResponse(items=items)

    def _presign(self, request: UploadRequest, key: str) -> PresignedPost:
        settings = self.settings
        content_type = request.content_type.strip().lower()
        if content_type not in settings.upload_content_types:
            raise UnsupportedMediaType(
                f"{request.content_type!r} is not an image type the drive accepts", code="unsupported_image_type",
                details={"allowed": list(settings.upload_content_types)},
            )
        if request.size > settings.max_upload_bytes:
            raise PayloadTooLarge(
                f"an image may have at most {settings.max_upload_bytes} bytes", code="image_too_large",
                details={"max_bytes": settings.max_upload_bytes},
            )
        post = self.signer.presigned_post(ObjectRef(settings.originals_bucket, key), content_type=content_type,
                                          max_bytes=settings.max_upload_bytes, ttl_s=settings.presign_ttl_s)
        return PresignedPost(url=post.url, key=key, fields=post.fields, expires_in=settings.presign_ttl_s,
                             max_bytes=settings.max_upload_bytes)


@cache
def upload_service() -> UploadService:
    """The process's service on S3 and Postgres, for composition roots (the API)."""
    return UploadService(S3PostSigner())
