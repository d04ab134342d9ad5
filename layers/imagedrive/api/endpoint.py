"""The one decorator every route goes through.

`@endpoint(bp, "/images/{image_id}", "GET", response=ImageDetail, ...)` registers a Chalice route
that sets the correlation id, authenticates, validates path, query and body with pydantic, calls
the handler with a `Call`, shapes its reply and turns domain errors into the one error shape.
The spec it attaches to the view is what the OpenAPI document is built from.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, get_type_hints

from chalice.app import CORSConfig, Response
from pydantic import BaseModel, TypeAdapter, ValidationError

from imagedrive.api.errors import error_body, error_headers, from_validation, status_for
from imagedrive.api.request import ApiRequest
from imagedrive.auth.models import CurrentUser
from imagedrive.auth.service import auth_service
from imagedrive.errors import DomainError, InvalidInput, NotFound, Unauthenticated
from imagedrive.log import logger
from imagedrive.settings import get_settings

JSON = "application/json"


@dataclass(frozen=True)
class EndpointSpec:
    path: str
    method: str
    summary: str
    tag: str
    auth: bool
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    errors: tuple[int, ...]
    path_params: dict[str, TypeAdapter[Any]]
    parameters: tuple[dict[str, Any], ...] = ()
    also: tuple[int, ...] = ()  # other success statuses with the same body (202 while work goes on)

    def documented_errors(self) -> list[int]:
        implied = {401} if self.auth else set()
        if self.body:
            implied |= {400, 415, 422}
        if self.query:
            implied.add(422)
        if self.path_params:
            implied.add(404)
        return sorted(implied | set(self.errors))


@dataclass(frozen=True)
class Call:
    request: ApiRequest
    user: CurrentUser | None
    body: Any = None
    query: Any = None

    @property
    def me(self) -> CurrentUser:
        if self.user is None:  # only on routes declared auth=False, which must not ask
            raise Unauthenticated("log in first")
        return self.user


@dataclass
class Reply:
    """A handler's answer when the status or headers differ from the route's defaults."""

    body: BaseModel | None = None
    status: int | None = None
    headers: dict[str, str | list[str]] = field(default_factory=dict)


Handler = Callable[..., BaseModel | Reply | None]


class Routes:
    """The endpoints one module declares, attached to an app later. Unlike a Chalice Blueprint it can
    be attached to several apps (each test loads its own), and each attachment reads its own app's
    current request."""

    def __init__(self) -> None:
        self._endpoints: list[tuple[EndpointSpec, Handler]] = []

    def add(self, spec: EndpointSpec, handler: Handler) -> None:
        self._endpoints.append((spec, handler))

    def attach(self, app: Any) -> None:
        for spec, handler in self._endpoints:
            # content_types="*/*": body checks happen here, so a 415 has the same shape as every error.
            app.route(spec.path, methods=[spec.method], cors=cors_config(), content_types=["*/*"])(
                _view(app, spec, handler))


def endpoint(
    routes: Routes, path: str, method: str, *, summary: str, tag: str, auth: bool = True,
    body: type[BaseModel] | None = None, query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None, status: int = 200, errors: tuple[int, ...] = (),
    parameters: tuple[dict[str, Any], ...] = (), also: tuple[int, ...] = (),
) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        hints = get_type_hints(handler, include_extras=True)
        path_params = {name: TypeAdapter(hints.get(name, str)) for name in re.findall(r"{(\w+)}", path)}
        routes.add(EndpointSpec(path, method, summary, tag, auth, body, query, response, status, errors,
                                path_params, parameters, also), handler)
        return handler

    return register


def _view(app: Any, spec: EndpointSpec, handler: Handler) -> Callable[..., Response]:
    def view(**raw_path: str) -> Response:
        return _handle(ApiRequest(app.current_request), spec, handler, raw_path)

    view.__name__ = handler.__name__
    view.__doc__ = handler.__doc__
    view.endpoint = spec  # type: ignore[attr-defined]  # what the OpenAPI document reads
    return view


@cache
def cors_config() -> CORSConfig:
    """The SPA's origin only, with credentials (so never `*`)."""
    return CORSConfig(
        allow_origin=get_settings().spa_origin, allow_credentials=True,
        allow_headers=["X-CSRF-Token", "X-Request-Id"], expose_headers=["X-Request-Id", "Retry-After"],
        max_age=600,
    )


def _handle(request: ApiRequest, spec: EndpointSpec, handler: Handler, raw_path: dict[str, str]) -> Response:
    started = time.perf_counter()
    logger.set_correlation_id(request.request_id)
    user: CurrentUser | None = None
    try:
        user = _authenticate(request) if spec.auth else None
        path_args = _path_args(spec, raw_path)
        call = Call(request, user, _body(spec, request), _query(spec, request))
        response = _to_response(handler(call, **path_args), spec.status)
    except DomainError as error:
        response = Response(error_body(error.code, error.message, error.details), error_headers(error),
                            status_for(error))
    except Exception:
        logger.exception("unhandled error", extra={"path": request.path, "method": request.method})
        response = Response(error_body("internal_error", "something went wrong; quote the request id"),
                            status_code=500)
    response.headers["X-Request-Id"] = request.request_id
    logger.info("request", extra={
        "method": request.method, "route": spec.path, "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2), "user_id": user.id if user else None,
    })
    return response


def _authenticate(request: ApiRequest) -> CurrentUser:
    token = request.bearer_token
    if not token:
        raise Unauthenticated("send an access token as `Authorization: Bearer …`")
    return auth_service().authenticate(token)


def _path_args(spec: EndpointSpec, raw_path: dict[str, str]) -> dict[str, Any]:
    """Typed path parameters; a value that cannot name anything is simply not found."""
    try:
        return {name: adapter.validate_python(raw_path[name]) for name, adapter in spec.path_params.items()}
    except ValidationError as error:
        raise NotFound("no such resource") from error


def _body(spec: EndpointSpec, request: ApiRequest) -> Any:
    if spec.body is None:
        return None
    try:
        body = spec.body.model_validate_json(request.json_bytes())
    except ValidationError as error:
        raise from_validation(error, "body") from error
    _refuse_nul(body.model_dump(), "body")
    return body


def _query(spec: EndpointSpec, request: ApiRequest) -> Any:
    if spec.query is None:
        return None
    try:
        query = spec.query.model_validate(request.query)
    except ValidationError as error:
        raise from_validation(error, "query") from error
    _refuse_nul(query.model_dump(), "query")
    return query


def _refuse_nul(values: Any, where: str) -> None:
    """Postgres text cannot hold NUL; refuse it here rather than fail in the database."""
    if isinstance(values, str) and "\x00" in values:
        raise InvalidInput(f"the {where} contains a NUL character", code="validation_failed")
    if isinstance(values, dict):
        values = values.values()
    if isinstance(values, list | tuple | type({}.values())):
        for value in values:
            _refuse_nul(value, where)


def _to_response(result: BaseModel | Reply | None, default_status: int) -> Response:
    reply = result if isinstance(result, Reply) else Reply(result)
    status = reply.status or default_status
    if reply.body is None:
        return Response("", dict(reply.headers), status)
    return Response(reply.body.model_dump(mode="json"), {"Content-Type": JSON, **reply.headers}, status)
