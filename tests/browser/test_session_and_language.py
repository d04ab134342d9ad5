"""The session survives a reload (the access token is in memory only; the refresh cookie brings it
back), the chosen language is remembered, and logging out really ends it."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.test_journey import PASSWORD, register, unique


def test_reload_keeps_the_session_and_the_language_and_logout_ends_both(page: Page, drive_url, screenshot, axe_check):
    username = unique("carol")
    register(page, drive_url, username)
    token_in_storage = page.evaluate(
        "() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage)")
    assert "eyJ" not in token_in_storage  # no JWT anywhere but memory

    page.get_by_test_id("language").select_option("zh")
    expect(page.get_by_test_id("nav-gallery")).to_have_text("图库")
    page.reload()
    expect(page.get_by_test_id("current-user")).to_have_text(username)  # restored from the refresh cookie
    expect(page.get_by_test_id("nav-search")).to_have_text("搜索")
    assert page.evaluate("() => document.documentElement.lang") == "zh-CN"
    screenshot("session-zh-gallery")
    axe_check(page)

    page.get_by_test_id("logout").click()
    expect(page).to_have_url(re.compile(r"/login"))
    page.reload()
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_test_id("auth-submit")).to_have_text("登录")
    page.goto(f"{drive_url}/library")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Flibrary|/login\?next=/library"))

    # Logging in again returns to the page that was asked for.
    page.locator("input#username").fill(username)
    page.locator("input#password").fill(PASSWORD)
    page.get_by_test_id("auth-submit").click()
    expect(page).to_have_url(re.compile(r"/library$"))


def test_wrong_password_shows_the_api_message(page: Page, drive_url):
    username = unique("erin")
    register(page, drive_url, username)
    page.get_by_test_id("logout").click()
    page.locator("input#username").fill(username)
    page.locator("input#password").fill("not the password at all")
    page.get_by_test_id("auth-submit").click()
    expect(page.get_by_test_id("auth-error")).to_contain_text("wrong username or password")
