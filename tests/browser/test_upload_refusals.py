"""Uploads that cannot work say why: a file of the wrong type is refused before any byte is sent,
and a picture that is not really one ends FAILED with the reason, in the upload list and the gallery."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.test_journey import INGEST_TIMEOUT_MS, drop_files, register, unique
from tests.fixtures.images import corrupt_jpeg, picture


def test_refused_and_failed_uploads_say_why(page: Page, drive_url, screenshot, axe_check):
    register(page, drive_url, unique("frank"))
    page.get_by_test_id("nav-upload").click()
    storage_posts: list[str] = []
    page.on("request", lambda r: storage_posts.append(r.url) if r.method == "POST" and "/api/" not in r.url else None)
    drop_files(page, "[data-testid=dropzone]", {
        "notes.txt": (b"just some words", "text/plain"),
        "broken.jpg": (corrupt_jpeg(), "image/jpeg"),
        "fine.jpg": (picture(seed=7), "image/jpeg"),
    })
    refused = page.locator("[data-testid=upload-row][data-name='notes.txt']")
    expect(refused).to_have_attribute("data-state", "refused")
    expect(refused.get_by_test_id("upload-reason")).to_contain_text("text/plain")
    failed = page.locator("[data-testid=upload-row][data-name='broken.jpg']")
    expect(failed).to_have_attribute("data-state", "failed", timeout=INGEST_TIMEOUT_MS)
    expect(failed.get_by_test_id("upload-reason")).not_to_be_empty()
    expect(page.locator("[data-testid=upload-row][data-name='fine.jpg']")).to_have_attribute(
        "data-state", "ready", timeout=INGEST_TIMEOUT_MS)
    assert len(storage_posts) == 2, storage_posts  # the text file never left the browser
    screenshot("upload-refusals")
    axe_check(page)

    page.get_by_test_id("nav-gallery").click()
    card = page.locator("[data-testid=image-card][data-filename='broken.jpg']")
    expect(card.get_by_test_id("failed-reason")).to_be_visible()
    screenshot("gallery-failed-reason")
    axe_check(page)
