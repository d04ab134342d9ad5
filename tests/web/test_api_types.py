"""The app's API types (web/src/api/schema.d.ts) are exactly what openapi-typescript makes of the
API's OpenAPI document today: a route or model change without `./dev web-types` fails here."""

from __future__ import annotations

import json

from localcloud.node import openapi_document
from tests.web.npm import WEB, run_npm

COMMITTED = WEB / "src" / "api" / "schema.d.ts"


def test_committed_api_types_match_the_api(tmp_path):
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(openapi_document()))
    generated = tmp_path / "schema.d.ts"
    result = run_npm("run", "api-types", "--", str(document), "--out", str(generated))
    assert result.returncode == 0, (result.stdout + result.stderr).decode(errors="replace")
    assert generated.read_text() == COMMITTED.read_text(), (
        "web/src/api/schema.d.ts is out of date: run `./dev web-types` and commit the result"
    )


def test_api_types_read_the_document_from_stdin_too(tmp_path):
    generated = tmp_path / "schema.d.ts"
    result = run_npm("run", "api-types", "--", "-", "--out", str(generated),
                     stdin=json.dumps(openapi_document()).encode())
    assert result.returncode == 0, (result.stdout + result.stderr).decode(errors="replace")
    assert "ImageSummary" in generated.read_text()
