"""The query function's contract: an event naming a kind of search → a JSON reply.

Event: {"kind": "text"|"image"|"similar"|"duplicates"|"ocr"|"hybrid", "user_id": int, "request": {...},
        and for "image" either "image_b64" or "image_key" (originals bucket, under queries/{user_id}/)}.
Reply: {"ok": true, "result": {...}} or {"ok": false, "error": {"type", "code", "message", "details"}};
domain errors travel as data so the API can answer 404/409/422 instead of 502.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from functools import cache
from typing import Any

from pydantic import BaseModel, ValidationError

from imagedrive import storage
from imagedrive.errors import DomainError, Forbidden, InvalidInput, PayloadTooLarge
from imagedrive.indexing.cache import IndexCache
from imagedrive.indexing.store import IndexStore
from imagedrive.search.engine import SearchEngine
from imagedrive.search.models import (
    DuplicateSearch,
    HybridSearch,
    ImageSearch,
    OcrSearch,
    SimilarSearch,
    TextSearch,
)
from imagedrive.settings import get_settings
from imagedrive.storage import ObjectRef


def handle(event: dict[str, Any], engine: SearchEngine | None = None) -> dict[str, Any]:
    try:
        kind, user_id = event.get("kind"), event.get("user_id")
        if kind not in _KINDS or not isinstance(user_id, int):
            raise InvalidInput("an event needs a known kind and an integer user_id", code="bad_event")
        request_type, run = _KINDS[kind]
        request = request_type.model_validate(event.get("request") or {})
        engine = engine or default_engine()
        result = run(engine, user_id, request, event)
        return {"ok": True, "result": result.model_dump(mode="json") | model_notice(engine)}
    except ValidationError as error:
        return _error(InvalidInput("invalid search request", details=error.errors(include_url=False,
                                                                                   include_context=False)))
    except DomainError as error:
        return _error(error)


@cache
def default_engine() -> SearchEngine:
    """CLIP only (never the OCR module: onnxtr takes a second to import) and the index cache."""
    from imagedrive.inference.clip import ClipEmbedder
    from imagedrive.inference.manifest import find_model_dirs

    settings = get_settings()
    dirs = find_model_dirs(settings.model_root)
    embedder = ClipEmbedder(dirs["clip"], dirs.get("clip-multilingual"))
    cache_ = IndexCache(IndexStore(settings.derived_bucket), settings.index_cache, settings.index_cache_mb << 20)
    return SearchEngine(embedder, cache_)


def model_notice(engine: SearchEngine) -> dict[str, str | None]:
    """Every reply names its CLIP model; embedders that know their provenance (ClipEmbedder) add a
    warning when it is random-init."""
    embedder = engine.embedder
    return {"model_version": embedder.model_version, "model_warning": getattr(embedder, "model_warning", None)}


def query_image(user_id: int, event: dict[str, Any]) -> bytes:
    """The uploaded query picture: inline (base64) or an object the caller uploaded under queries/{user}/."""
    limit = get_settings().max_upload_bytes
    if event.get("image_b64"):
        try:
            data = base64.b64decode(event["image_b64"], validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput("image_b64 is not base64", code="bad_image") from None
    elif event.get("image_key"):
        key = str(event["image_key"])
        if not storage.is_own_query_key(user_id, key):
            raise Forbidden("the query image must be one of your own uploads", code="not_your_query_image")
        ref = ObjectRef(get_settings().originals_bucket, key)
        if storage.s3_objects().object_size(ref) > limit:
            raise PayloadTooLarge(f"the query image is larger than {limit} bytes")
        data = storage.s3_objects().read_bytes(ref)
        storage.s3_objects().delete(ref)  # a query picture is not a drive image: nothing keeps it
    else:
        raise InvalidInput("send the query image as image_b64 or image_key", code="missing_image")
    if len(data) > limit:
        raise PayloadTooLarge(f"the query image is larger than {limit} bytes")
    return data


def _error(error: DomainError) -> dict[str, Any]:
    return {"ok": False, "error": {"type": type(error).__name__, "code": error.code, "message": error.message,
                                   "details": error.details}}


Runner = Callable[[SearchEngine, int, Any, dict[str, Any]], BaseModel]
_KINDS: dict[str, tuple[type[BaseModel], Runner]] = {
    "text": (TextSearch, lambda engine, user, request, _: engine.text(user, request)),
    "image": (ImageSearch, lambda engine, user, request, event: engine.image(user, query_image(user, event), request)),
    "similar": (SimilarSearch, lambda engine, user, request, _: engine.similar(user, request)),
    "duplicates": (DuplicateSearch, lambda engine, user, request, _: engine.duplicates(user, request)),
    "ocr": (OcrSearch, lambda engine, user, request, _: engine.ocr(user, request)),
    "hybrid": (HybridSearch, lambda engine, user, request, _: engine.hybrid(user, request)),
}
