"""The OpenAPI 3.1 document, built from the Chalice route table and the pydantic models each route
declared, so the document cannot drift from the routes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from imagedrive.api.endpoint import EndpointSpec
from imagedrive.api.errors import ErrorBody

_REF = "#/components/schemas/{model}"
_STATUS_TEXT = {
    200: "OK", 201: "Created", 202: "Accepted", 204: "No content", 400: "Malformed request",
    401: "Not authenticated", 403: "Forbidden", 404: "Not found", 409: "Conflict", 413: "Too large",
    415: "Unsupported media type", 422: "Invalid input", 429: "Too many requests",
}


def document(route_table: dict[str, dict[str, Any]], *, title: str, version: str) -> dict[str, Any]:
    specs = [
        entry.view_function.endpoint
        for methods in route_table.values() for entry in methods.values()
        if hasattr(entry.view_function, "endpoint")
    ]
    refs, schemas = _schemas(specs)
    paths: dict[str, dict[str, Any]] = {}
    for spec in sorted(specs, key=lambda s: (s.path, s.method)):
        paths.setdefault(spec.path, {})[spec.method.lower()] = _operation(spec, refs)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


def _schemas(specs: list[EndpointSpec]) -> tuple[dict[Any, Any], dict[str, Any]]:
    wanted: set[tuple[type[BaseModel], JsonSchemaMode]] = {(ErrorBody, "serialization")}
    for spec in specs:
        if spec.body:
            wanted.add((spec.body, "validation"))
        if spec.response:
            wanted.add((spec.response, "serialization"))
    refs, definitions = models_json_schema(sorted(wanted, key=lambda w: (w[0].__name__, w[1])), ref_template=_REF)
    return refs, definitions.get("$defs", {})


def _operation(spec: EndpointSpec, refs: dict[Any, Any]) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": f"{spec.method.lower()}_{spec.path.strip('/').replace('/', '_').replace('.', '_')}"
                       .replace("{", "").replace("}", ""),
        "summary": spec.summary,
        "tags": [spec.tag],
        "parameters": _parameters(spec),
        "responses": _responses(spec, refs),
    }
    if spec.auth:
        operation["security"] = [{"bearer": []}]
    if spec.body:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(spec.body, "validation")]}},
        }
    return operation


def _parameters(spec: EndpointSpec) -> list[dict[str, Any]]:
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": adapter.json_schema()}
        for name, adapter in spec.path_params.items()
    ]
    if spec.query:
        schema = spec.query.model_json_schema(ref_template=_REF)
        required = set(schema.get("required", []))
        parameters += [
            {"name": name, "in": "query", "required": name in required, "schema": _strip_titles(prop)}
            for name, prop in schema.get("properties", {}).items()
        ]
    return parameters + list(spec.parameters)


def _responses(spec: EndpointSpec, refs: dict[Any, Any]) -> dict[str, Any]:
    if spec.response:
        success = {"description": _STATUS_TEXT.get(spec.status, "OK"),
                   "content": {"application/json": {"schema": refs[(spec.response, "serialization")]}}}
    else:
        success = {"description": _STATUS_TEXT.get(spec.status, "No content")}
    responses: dict[str, Any] = {str(status): success for status in (spec.status, *spec.also)}
    error_schema = {"application/json": {"schema": refs[(ErrorBody, "serialization")]}}
    for status in spec.documented_errors():
        responses[str(status)] = {"description": _STATUS_TEXT.get(status, "Error"), "content": error_schema}
    return responses


def _strip_titles(schema: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in schema.items() if key != "title"}
