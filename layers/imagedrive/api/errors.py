"""One JSON error shape, `{"error": {"code", "message", "details"}}`, and the status of each domain error."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from imagedrive import errors
from imagedrive.errors import ErrorDetail

STATUS_BY_ERROR: dict[type[errors.DomainError], int] = {
    errors.BadRequest: 400,
    errors.Unauthenticated: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.PayloadTooLarge: 413,
    errors.UnsupportedMediaType: 415,
    errors.InvalidInput: 422,
    errors.Throttled: 429,
}


class ErrorBody(BaseModel):
    error: ErrorDetail


def status_for(error: errors.DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 500


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return ErrorBody(error=ErrorDetail(code=code, message=message, details=details)).model_dump(mode="json")


def error_headers(error: errors.DomainError) -> dict[str, str | list[str]]:
    if isinstance(error, errors.Throttled):
        return {"Retry-After": str(error.retry_after_s)}
    return {}


def from_validation(error: ValidationError, where: str) -> errors.DomainError:
    """A pydantic failure as the client should see it: malformed JSON is 400, a wrong value 422.

    Inputs are left out of the details: they may be passwords.
    """
    problems = error.errors(include_url=False, include_context=False, include_input=False)
    if any(problem["type"] == "json_invalid" for problem in problems):
        return errors.BadRequest("the body is not valid JSON", code="malformed_json")
    details = [{"loc": [where, *problem["loc"]], "msg": problem["msg"], "type": problem["type"]}
               for problem in problems]
    return errors.InvalidInput(f"the {where} is not valid", code="validation_failed", details=details)
