"""The API over HTTP against `chalice local`: the browser's cookie flow, CORS, and schemathesis
fuzzing the whole OpenAPI document for server errors and responses that break the schema."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import requests

from imagedrive.auth.cookies import CSRF_COOKIE, REFRESH_COOKIE
from tests.integration.api.conftest import PASSWORD, insert_image


@pytest.fixture
def session(api_url, clean_db):
    with requests.Session() as browser:
        yield browser


def _login(session, api_url, username):
    session.post(f"{api_url}/auth/register", json={"username": username, "password": PASSWORD}, timeout=10)
    response = session.post(f"{api_url}/auth/login", json={"username": username, "password": PASSWORD}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_login_refresh_and_logout_with_cookies_as_a_browser_keeps_them(session, api_url):
    tokens = _login(session, api_url, "alice")
    # The refresh cookie is scoped to /auth, so requests sends it to /auth/refresh only.
    assert session.cookies.get(REFRESH_COOKIE, path="/auth")
    csrf = session.cookies.get(CSRF_COOKIE)
    me = session.get(f"{api_url}/auth/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=10)
    assert me.json()["username"] == "alice"
    assert session.post(f"{api_url}/auth/refresh", timeout=10).status_code == 403  # no CSRF header
    refreshed = session.post(f"{api_url}/auth/refresh", headers={"X-CSRF-Token": csrf}, timeout=10)
    assert refreshed.status_code == 200 and refreshed.json()["access_token"] != tokens["access_token"]
    csrf = session.cookies.get(CSRF_COOKIE)
    assert session.post(f"{api_url}/auth/logout", headers={"X-CSRF-Token": csrf}, timeout=10).status_code == 204
    assert not session.cookies.get(REFRESH_COOKIE, path="/auth")


def test_cors_preflight_allows_the_spa_origin_with_credentials(api_url, settings):
    preflight = requests.options(f"{api_url}/images", headers={
        "Origin": settings.spa_origin, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization"}, timeout=10)
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == settings.spa_origin
    assert preflight.headers["Access-Control-Allow-Credentials"] == "true"
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]


def test_private_images_stay_private_over_http(session, api_url):
    alice = _login(session, api_url, "alice")
    bob = _login(requests.Session(), api_url, "bob")
    private = insert_image(alice["user"]["id"], "secret.jpg")
    response = requests.get(f"{api_url}/images/{private}", headers={"Authorization": f"Bearer {bob['access_token']}"},
                            timeout=10)
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_schemathesis_finds_no_server_error_and_no_response_breaking_the_schema(session, api_url, tmp_path):
    tokens = _login(session, api_url, "fuzzer")
    image_id = insert_image(tokens["user"]["id"], "fuzz.jpg", with_objects=True)
    config = tmp_path / "schemathesis.toml"
    config.write_text(f"""
[parameters]
"path.image_id" = {image_id}  # a real image, so the image routes get past 404

[phases.coverage]
# chalice local answers methods it does not know (TRACE...) with its own 501; API Gateway never does.
unexpected-methods = []
""")
    schemathesis = Path(sys.executable).with_name("schemathesis")
    result = subprocess.run(
        [str(schemathesis), "--config-file", str(config), "run", f"{api_url}/openapi.json",
         "--header", f"Authorization: Bearer {tokens['access_token']}",
         "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,"
                     "response_schema_conformance",
         "--phases", "examples,coverage,fuzzing", "--max-examples", "10", "--seed", "20240501",
         "--workers", "1", "--request-timeout", "30", "--no-color", "--report-dir", str(tmp_path / "report")],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
