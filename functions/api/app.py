"""The drive's HTTP API (Chalice). Routes parse the request and call the shared package; they live
in chalicelib/, one module of routes per area."""

from __future__ import annotations

from chalice import Chalice, Response
from chalicelib import analytics_routes, auth_routes, category_routes, image_routes, search_routes, upload_routes

from imagedrive.api.endpoint import cors_config
from imagedrive.api.openapi import document
from imagedrive.health import check_health
from imagedrive.settings import get_settings

app = Chalice(app_name="imagedrive-api")
for area in (auth_routes, upload_routes, image_routes, category_routes, analytics_routes, search_routes):
    area.routes.attach(app)


@app.route("/health", methods=["GET"], cors=cors_config())
def health() -> Response:
    report = check_health(get_settings())
    return Response(body=report.as_dict(), status_code=200 if report.ok else 503)


@app.route("/openapi.json", methods=["GET"], cors=cors_config())
def openapi() -> Response:
    return Response(body=document(app.routes, title="Image Drive API", version="1.0.0"),
                    headers={"Content-Type": "application/json"})
