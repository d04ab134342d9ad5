"""The parts of a Chalice request the routes read: headers, cookies, query, JSON body, client."""

from __future__ import annotations

import re
import uuid
from functools import cached_property
from typing import Any

from imagedrive.auth.cookies import parse_cookie_header
from imagedrive.auth.models import Client
from imagedrive.errors import BadRequest, UnsupportedMediaType

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class ApiRequest:
    def __init__(self, chalice_request: Any) -> None:
        self._request = chalice_request

    @property
    def method(self) -> str:
        return str(self._request.method)

    @property
    def path(self) -> str:
        return str(self._request.path)

    def header(self, name: str) -> str | None:
        value: str | None = self._request.headers.get(name.lower())
        return value

    @cached_property
    def request_id(self) -> str:
        """The caller's X-Request-Id when it is sane, else API Gateway's id, else a fresh one."""
        supplied = self.header("x-request-id")
        if supplied and _REQUEST_ID.match(supplied):
            return supplied
        return self._request.context.get("requestId") or str(uuid.uuid4())

    @cached_property
    def cookies(self) -> dict[str, str]:
        return parse_cookie_header(self.header("cookie"))

    @cached_property
    def query(self) -> dict[str, str]:
        params = self._request.query_params or {}
        return {name: params[name] for name in params}

    @property
    def client(self) -> Client:
        identity = self._request.context.get("identity") or {}
        return Client(identity.get("sourceIp") or "unknown", self.header("user-agent"))

    @property
    def is_https(self) -> bool:
        """API Gateway terminates TLS and says so; `chalice local` is plain http."""
        return (self.header("x-forwarded-proto") or "").lower() == "https"

    @property
    def bearer_token(self) -> str | None:
        scheme, _, token = (self.header("authorization") or "").partition(" ")
        return token.strip() or None if scheme.lower() == "bearer" else None

    def json_bytes(self) -> bytes:
        content_type = (self.header("content-type") or "").split(";")[0].strip().lower()
        if content_type != "application/json" and not content_type.endswith("+json"):
            raise UnsupportedMediaType("send the body as application/json", code="unsupported_media_type")
        body = self._request.raw_body
        if not body:
            raise BadRequest("a JSON body is required", code="missing_body")
        return body if isinstance(body, bytes) else body.encode()
