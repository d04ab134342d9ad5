"""The drive's HTTP API (Chalice). Routes parse the request and call the shared package."""

from __future__ import annotations

from chalice import Chalice, Response

from imagedrive.health import check_health
from imagedrive.settings import get_settings

app = Chalice(app_name="imagedrive-api")


@app.route("/health", methods=["GET"])
def health() -> Response:
    report = check_health(get_settings())
    return Response(body=report.as_dict(), status_code=200 if report.ok else 503)
