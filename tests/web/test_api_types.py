"""The app's API types (web/src/api/schema.d.ts) are exactly what openapi-typescript makes of the
API's OpenAPI document today: a route or model change without `./dev web-types` fails here."""

from __future__ import annotations

import json

from imagedrive.settings import REPO_ROOT
from localcloud.runner import load_handler
from tests.web.npm import WEB, run_npm

COMMITTED = WEB / "src" / "api" / "schema.d.ts"


def openapi_document() -> dict:
    """The document GET /openapi.json serves, built in process from the app's own route table."""
    view = load_handler(REPO_ROOT / "functions" / "api" / "app.py", "openapi")
    return view().body


def test_committed_api_types_match_the_api(npm, tmp_path):
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(openapi_document()))
    generated = tmp_path / "schema.d.ts"
    result = run_npm(npm, "run", "api-types", "--", str(document), "--out", str(generated))
    assert result.returncode == 0, (result.stdout + result.stderr).decode(errors="replace")
    assert generated.read_text() == COMMITTED.read_text(), (
        "web/src/api/schema.d.ts is out of date: run `./dev web-types` and commit the result"
    )


def test_api_types_read_the_document_from_stdin_too(npm, tmp_path):
    generated = tmp_path / "schema.d.ts"
    result = run_npm(npm, "run", "api-types", "--", "-", "--out", str(generated),
                     stdin=json.dumps(openapi_document()).encode())
    assert result.returncode == 0, (result.stdout + result.stderr).decode(errors="replace")
    assert "ImageSummary" in generated.read_text()
