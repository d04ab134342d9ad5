"""What the domain refuses, and why. The API maps each class to one HTTP status (imagedrive/api/errors.py);
the domain itself never speaks HTTP."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class DomainError(Exception):
    code = "error"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        if code:
            self.code = code


class BadRequest(DomainError):
    code = "bad_request"


class InvalidInput(DomainError):
    code = "invalid_input"


class Unauthenticated(DomainError):
    code = "unauthenticated"


class Forbidden(DomainError):
    code = "forbidden"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class PayloadTooLarge(DomainError):
    code = "payload_too_large"


class UnsupportedMediaType(DomainError):
    code = "unsupported_media_type"


class Throttled(DomainError):
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after_s: int, details: Any = None) -> None:
        super().__init__(message, details=details)
        self.retry_after_s = max(1, retry_after_s)


# A refusal as data: the body of every API error, and the answer for one item of a batch that refuses
# some items and serves the rest. (A comment, not a docstring: a docstring would enter the OpenAPI schema.)
class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None

    @classmethod
    def of(cls, error: DomainError) -> ErrorDetail:
        return cls(code=error.code, message=error.message, details=error.details)
