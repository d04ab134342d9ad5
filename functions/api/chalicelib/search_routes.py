"""The search routes. The compute runs in the query function (imagedrive.search.client decides
where); these only validate, call, and shape."""

from __future__ import annotations

import base64
import binascii

from pydantic import BaseModel, ConfigDict, Field, model_validator

from imagedrive.api.endpoint import Call, Routes, endpoint
from imagedrive.errors import InvalidInput
from imagedrive.ids import DbId
from imagedrive.search import client
from imagedrive.search.models import (
    Cosine,
    DuplicateResponse,
    DuplicateSearch,
    HybridSearch,
    ImageSearch,
    OcrSearch,
    SearchResponse,
    SimilarSearch,
    TextSearch,
)
from imagedrive.settings import get_settings
from imagedrive.storage import ObjectRef
from imagedrive.uploads.models import PresignedPost, UploadRequest
from imagedrive.uploads.presign import upload_service

routes = Routes()


class ImageSearchBody(ImageSearch):
    """The query picture inline (base64, up to ~4 MB) or uploaded first (POST /search/image/upload);
    either way it is never stored as a drive image."""

    image_b64: str | None = None
    key: str | None = Field(None, description="the key POST /search/image/upload returned (under queries/{your id}/)")

    @model_validator(mode="after")
    def _exactly_one_picture(self) -> ImageSearchBody:
        if (self.image_b64 is None) == (self.key is None):
            raise ValueError("send exactly one of image_b64 and key")
        return self


class SimilarQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    k: int = Field(default_factory=lambda: get_settings().search_k_default, ge=1, le=200)
    s_min: float | None = Cosine


@endpoint(routes, "/search/text", "POST", summary="Images that look like the words (CLIP)", tag="search",
          body=TextSearch, response=SearchResponse, errors=(404, 422))
def search_text(call: Call) -> SearchResponse:
    return client.text(call.me.id, call.body)


@endpoint(routes, "/search/image/upload", "POST", tag="search",
          summary="A presigned POST for a query picture, to search with as /search/image {key}",
          body=UploadRequest, response=PresignedPost, errors=(413, 415))
def search_image_upload(call: Call) -> PresignedPost:
    return upload_service().presign_query_image(call.me, call.body)


@endpoint(routes, "/search/image", "POST", summary="Images that look like a picture (CLIP)", tag="search",
          body=ImageSearchBody, response=SearchResponse, errors=(404, 413, 422))
def search_image(call: Call) -> SearchResponse:
    body: ImageSearchBody = call.body
    request = ImageSearch(k=body.k, s_min=body.s_min)
    if body.key is not None:
        return client.image(call.me.id, ObjectRef(get_settings().originals_bucket, body.key), request)
    assert body.image_b64 is not None  # the body's validator demands exactly one of key and image_b64
    try:
        picture = base64.b64decode(body.image_b64, validate=True)
    except (binascii.Error, ValueError) as error:
        raise InvalidInput("image_b64 is not base64") from error
    return client.image(call.me.id, picture, request)


@endpoint(routes, "/search/ocr", "POST", summary="Images whose text contains the words", tag="search",
          body=OcrSearch, response=SearchResponse, errors=(422,))
def search_ocr(call: Call) -> SearchResponse:
    return client.ocr(call.me.id, call.body)


@endpoint(routes, "/search/hybrid", "POST", summary="CLIP and OCR results fused by rank, each saying why",
          tag="search", body=HybridSearch, response=SearchResponse, errors=(404, 422))
def search_hybrid(call: Call) -> SearchResponse:
    return client.hybrid(call.me.id, call.body)


@endpoint(routes, "/images/{image_id}/similar", "GET", summary="Images like this one (its stored vector)",
          tag="search", query=SimilarQuery, response=SearchResponse, errors=(404, 422))
def similar_images(call: Call, image_id: DbId) -> SearchResponse:
    query: SimilarQuery = call.query
    return client.similar(call.me.id, SimilarSearch(image_id=image_id, k=query.k, s_min=query.s_min))


@endpoint(routes, "/images/duplicates", "GET", summary="Groups of near-duplicates among your own images",
          tag="search", query=DuplicateSearch, response=DuplicateResponse, errors=(422,))
def duplicate_groups(call: Call) -> DuplicateResponse:
    return client.duplicates(call.me.id, call.query)
