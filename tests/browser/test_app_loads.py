"""The drive's one origin: the URL `./dev up` prints serves the app, its deep links and, under /api, the API
itself, with the refresh cookie scoped so the browser sends it back to /api/auth."""

from __future__ import annotations

import re
import uuid

import requests
from playwright.sync_api import Page, expect

from infra.app_upload import IMMUTABLE, REVALIDATE
from localcloud.webapp import APP_MARKER

PASSWORD = "a long enough passphrase 42"


def test_the_url_opens_the_app_at_its_login_form(page: Page, drive_url, screenshot, axe_check):
    page.goto(drive_url + "/")
    expect(page).to_have_url(re.compile(r"/login"))  # not logged in: the app's own router took over
    submit = page.get_by_test_id("auth-submit")
    expect(submit).to_be_disabled()  # the app is live: its form reacts to what is typed
    page.locator("input#username").fill("someone")
    page.locator("input#password").fill(PASSWORD)
    expect(submit).to_be_enabled()
    screenshot("app-loads-login")
    axe_check(page)


def test_api_health_answers_through_the_same_origin(drive_url, api_url):
    through_origin = requests.get(f"{drive_url}/api/health", timeout=30)
    direct = requests.get(f"{api_url}/health", timeout=30)
    assert through_origin.headers["content-type"].startswith("application/json")
    assert through_origin.headers["date"].count("GMT") == 1  # one Date header (requests joins repeated ones)
    assert through_origin.json().keys() == direct.json().keys()
    assert "postgres" in through_origin.json()["dependencies"]


def test_a_deep_link_returns_the_app_and_a_missing_asset_does_not(drive_url):
    deep = requests.get(f"{drive_url}/search", timeout=30)
    assert deep.status_code == 200
    assert deep.headers["content-type"].startswith("text/html")
    assert APP_MARKER in deep.content
    missing = requests.get(f"{drive_url}/api/no-such-route", timeout=30)
    assert APP_MARKER not in missing.content  # /api is the API's, never the app's fallback page


def test_index_html_is_revalidated_and_hashed_assets_are_cached_for_good(drive_url):
    index = requests.get(f"{drive_url}/", timeout=30)
    assert index.headers["cache-control"] == REVALIDATE  # a new build's index names its new assets at once
    entry = re.search(r'src="(/assets/[^"]+\.js)"', index.text)
    assert entry, index.text
    asset = requests.get(drive_url + entry[1], timeout=30)
    assert asset.status_code == 200
    assert asset.headers["content-type"].startswith("text/javascript")
    assert asset.headers["cache-control"] == IMMUTABLE  # as ./dev deploy uploads them for CloudFront
    missing = requests.get(f"{drive_url}/assets/no-such-chunk-0000.js", timeout=30)
    assert missing.status_code == 404  # an asset gone after a deploy fails loudly, not as the HTML page


def test_the_refresh_cookie_comes_back_to_api_auth_on_the_one_origin(drive_url):
    browser = requests.Session()
    username = f"origin{uuid.uuid4().hex[:8]}"
    created = browser.post(f"{drive_url}/api/auth/register", json={"username": username, "password": PASSWORD},
                           timeout=60)
    assert created.status_code == 201, created.text
    login = browser.post(f"{drive_url}/api/auth/login", json={"username": username, "password": PASSWORD},
                         timeout=60)
    assert login.status_code == 200, login.text
    refresh_cookie = next(c for c in browser.cookies if c.name == "imagedrive_refresh")
    assert refresh_cookie.path == "/api/auth"  # the API runs with IMAGEDRIVE_API_BASE_PATH=/api, as in AWS

    refreshed = browser.post(f"{drive_url}/api/auth/refresh", headers={"X-CSRF-Token": login.json()["csrf_token"]},
                             timeout=60)
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["user"]["username"] == username
    me = browser.get(f"{drive_url}/api/auth/me",
                     headers={"Authorization": f"Bearer {refreshed.json()['access_token']}"}, timeout=30)
    assert me.json()["username"] == username
