"""What the API's search routes call: one function per kind, (user id, validated request) → response.

The compute runs in the query function (CLIP, FAISS, the cached indexes), invoked synchronously when
IMAGEDRIVE_QUERY_FUNCTION names it (AWS); otherwise (locally, tests) the same dispatcher runs in this
process. Nothing here imports numpy or FAISS, so the API's layer stays small.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from pydantic import BaseModel

from imagedrive import errors
from imagedrive.aws import invoker
from imagedrive.search.models import (
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

QUERY_INVOKE_SLACK_S = 5


class QueryFunctionFailed(RuntimeError):
    """The query function crashed or timed out (not a refusal of the request)."""


def text(user_id: int, request: TextSearch) -> SearchResponse:
    return SearchResponse.model_validate(_run("text", user_id, request))


def image(user_id: int, picture: bytes | ObjectRef, request: ImageSearch) -> SearchResponse:
    """`picture`: the bytes (up to ~4 MB: Lambda's 6 MB payload) or an object under queries/{user_id}/."""
    extra = {"image_key": picture.key} if isinstance(picture, ObjectRef) else {
        "image_b64": base64.b64encode(picture).decode()}
    return SearchResponse.model_validate(_run("image", user_id, request, **extra))


def similar(user_id: int, request: SimilarSearch) -> SearchResponse:
    return SearchResponse.model_validate(_run("similar", user_id, request))


def duplicates(user_id: int, request: DuplicateSearch) -> DuplicateResponse:
    return DuplicateResponse.model_validate(_run("duplicates", user_id, request))


def ocr(user_id: int, request: OcrSearch) -> SearchResponse:
    return SearchResponse.model_validate(_run("ocr", user_id, request))


def hybrid(user_id: int, request: HybridSearch) -> SearchResponse:
    return SearchResponse.model_validate(_run("hybrid", user_id, request))


def _run(kind: str, user_id: int, request: BaseModel, **extra: Any) -> dict[str, Any]:
    event = {"kind": kind, "user_id": user_id, "request": request.model_dump(mode="json"), **extra}
    reply = _invoke(event)
    if reply.get("ok"):
        result: dict[str, Any] = reply["result"]
        return result
    error = reply.get("error") or {}
    kind_of_error = getattr(errors, str(error.get("type")), None)
    if not (isinstance(kind_of_error, type) and issubclass(kind_of_error, errors.DomainError)):
        raise QueryFunctionFailed(f"unexpected reply from the query function: {str(reply)[:300]}")
    raise kind_of_error(error.get("message", "search refused"), code=error.get("code"), details=error.get("details"))


def query_invoker() -> Any:
    """Waits for the query function's whole timeout (plus slack for the invoke itself), and never
    sends a search again while the first still runs."""
    return invoker(get_settings().query_function_timeout_s + QUERY_INVOKE_SLACK_S)


def _invoke(event: dict[str, Any]) -> dict[str, Any]:
    function = get_settings().query_function
    if not function:
        from imagedrive.search.dispatch import handle  # in process: loads CLIP and FAISS here

        return handle(event)
    response = query_invoker().invoke(FunctionName=function, Payload=json.dumps(event).encode())
    payload = json.loads(response["Payload"].read() or b"{}")
    if response.get("FunctionError"):
        raise QueryFunctionFailed(f"query function error: {str(payload)[:300]}")
    answer: dict[str, Any] = payload
    return answer
