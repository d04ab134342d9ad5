"""A person's whole visit, in headless Chromium against a real running drive: register, drag and drop
three pictures and watch them reach READY, search every way, open the similar panel, make a picture
private, export CSV, log out; then a second person who must not see the private picture anywhere;
then the owner clears the library behind its typed confirmation.
Every screen is photographed and checked with axe-core; gallery and search are checked at 375 px."""

from __future__ import annotations

import base64
import csv
import io
import re
import uuid

from playwright.sync_api import Page, expect

from tests.fixtures.images import picture, text_picture

PASSWORD = "a long enough passphrase 42"
expect.set_options(timeout=20_000)  # two busy cores: argon2, ingestion and first chunk loads take a while
INGEST_TIMEOUT_MS = 180_000


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def register(page: Page, drive_url: str, username: str) -> None:
    page.goto(drive_url)
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_test_id("auth-switch").click()
    page.locator("input#username").fill(username)
    page.locator("input#password").fill(PASSWORD)
    page.locator("input#repeat").fill(PASSWORD)
    page.get_by_test_id("auth-submit").click()
    expect(page.get_by_test_id("current-user")).to_have_text(username)


def drop_files(page: Page, target: str, files: dict[str, tuple[bytes, str]]) -> None:
    """A real drop event carrying File objects, as the browser makes when files are dragged in."""
    payload = [{"name": name, "type": mime, "data": base64.b64encode(data).decode()}
               for name, (data, mime) in files.items()]
    transfer = page.evaluate_handle(
        """files => {
            const transfer = new DataTransfer()
            for (const f of files) {
                const bytes = Uint8Array.from(atob(f.data), c => c.charCodeAt(0))
                transfer.items.add(new File([bytes], f.name, { type: f.type }))
            }
            return transfer
        }""",
        payload,
    )
    page.locator(target).dispatch_event("dragenter", {"dataTransfer": transfer})
    page.locator(target).dispatch_event("drop", {"dataTransfer": transfer})


def no_horizontal_scroll(page: Page) -> None:
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {page.viewport_size['width']}px"


def search(page: Page, kind: str, query: str) -> None:
    page.get_by_test_id(f"search-tab-{kind}").click()
    page.get_by_test_id("search-input").fill(query)
    page.get_by_test_id("search-submit").click()
    expect(page.get_by_test_id("search-results")).to_have_attribute("data-query", f"{kind}:{query}")


def hit_ids(page: Page) -> set[int]:
    return {int(i) for i in page.get_by_test_id("search-hit").evaluate_all("els => els.map(e => e.dataset.imageId)")}


def test_a_person_uses_the_drive_and_a_stranger_sees_nothing_private(
        page: Page, drive_url, screenshot, axe_check, tmp_path):
    owner = unique("alice")
    pictures = {
        "harbour.jpg": (picture(seed=101), "image/jpeg"),
        "meadow.jpg": (picture(seed=202), "image/jpeg"),
        "invoice.png": (text_picture("INVOICE RE16-2201", size=64), "image/png"),
    }

    # Log-in page, then an account.
    page.goto(drive_url)
    expect(page.get_by_test_id("auth-submit")).to_be_visible()
    screenshot("01-login")
    axe_check(page)
    page.get_by_test_id("auth-switch").click()
    expect(page.locator("#password-policy")).to_contain_text("12")
    screenshot("02-register")
    axe_check(page)
    page.get_by_test_id("auth-switch").click()
    register(page, drive_url, owner)
    expect(page.get_by_test_id("gallery-empty")).to_be_visible()
    screenshot("03-gallery-empty")
    axe_check(page)

    # Drag and drop three pictures; each shows progress, then READY.
    page.get_by_test_id("nav-upload").click()
    drop_files(page, "[data-testid=dropzone]", pictures)
    rows = page.get_by_test_id("upload-row")
    expect(rows).to_have_count(3)
    screenshot("04-upload-progress")
    for name in pictures:
        expect(page.locator(f"[data-testid=upload-row][data-name='{name}']")).to_have_attribute(
            "data-state", "ready", timeout=INGEST_TIMEOUT_MS)
    expect(page.get_by_test_id("upload-summary")).to_contain_text("3")
    screenshot("05-upload-ready")
    axe_check(page)

    # The gallery shows them, with thumbnails.
    page.get_by_test_id("nav-gallery").click()
    cards = page.get_by_test_id("image-card")
    expect(cards).to_have_count(3)
    expect(page.get_by_test_id("image-card").locator("img").first).to_be_visible()
    ids = {name: int(cards.filter(has=page.locator(f"[alt='{name}']")).get_attribute("data-image-id"))
           for name in pictures}
    screenshot("06-gallery")
    axe_check(page)

    # Every kind of search; each hit shows its score; timing on demand; an empty answer suggests others.
    page.get_by_test_id("nav-search").click()
    search(page, "text", "a harbour with boats")
    expect(page.get_by_test_id("hit-score").first).to_be_visible()
    assert hit_ids(page) & set(ids.values())  # other people's public pictures may rank among them
    page.get_by_test_id("timing-toggle").first.click()
    expect(page.get_by_test_id("timing-table")).to_be_visible()
    screenshot("07-search-text")
    axe_check(page)

    page.get_by_test_id("search-tab-image").click()
    page.get_by_test_id("search-picture-input").set_input_files(
        {"name": "query.jpg", "mimeType": "image/jpeg", "buffer": pictures["meadow.jpg"][0]})
    expect(page.get_by_test_id("search-results")).to_have_attribute("data-query", "image:query.jpg")
    expect(page.get_by_test_id("search-hit").first).to_have_attribute("data-filename", "meadow.jpg")
    screenshot("08-search-image")
    axe_check(page)

    search(page, "ocr", "INVOICE")  # RapidOCR reads it; the snippet highlights the words
    ocr_hits = page.get_by_test_id("search-hit")
    expect(ocr_hits).to_have_count(1)
    expect(ocr_hits.first).to_have_attribute("data-image-id", str(ids["invoice.png"]))
    expect(ocr_hits.first.locator("mark")).to_have_text("INVOICE")
    screenshot("09-search-ocr")
    axe_check(page)

    search(page, "hybrid", "invoice")
    invoice_hit = page.locator(f"[data-testid=search-hit][data-image-id='{ids['invoice.png']}']")
    expect(invoice_hit.get_by_test_id("hit-reasons")).to_contain_text("written in it")
    screenshot("10-search-hybrid")
    axe_check(page)

    search(page, "ocr", "zzqqxxnothing")
    expect(page.get_by_test_id("search-empty")).to_be_visible()
    expect(page.get_by_test_id("suggest-text")).to_be_visible()
    screenshot("11-search-empty")

    # Gallery and search stay within 375 px.
    page.set_viewport_size({"width": 375, "height": 812})
    search(page, "text", "boats")
    no_horizontal_scroll(page)
    screenshot("12-search-375")
    page.goto(drive_url)  # at 375 px the navigation folds behind the menu button
    expect(cards).to_have_count(3)
    no_horizontal_scroll(page)
    screenshot("13-gallery-375")
    axe_check(page)
    page.set_viewport_size({"width": 1280, "height": 900})

    # The image view: preview, OCR text, similar panel from the stored vector.
    private_id, public_id = ids["harbour.jpg"], ids["meadow.jpg"]
    page.goto(f"{drive_url}/images/{public_id}")
    expect(page.get_by_test_id("image-title")).to_have_text("meadow.jpg")
    expect(page.get_by_test_id("image-preview")).to_be_visible()
    panel = page.get_by_test_id("similar-panel")
    expect(panel).to_have_attribute("data-loaded", "true")
    similar = hit_ids(page)  # other people's public pictures may be there too
    assert {ids["harbour.jpg"], ids["invoice.png"]} <= similar and public_id not in similar
    with page.expect_download() as original:
        page.get_by_test_id("download").click()
    assert original.value.suggested_filename == "meadow.jpg"
    page.get_by_test_id("visibility-public").click()
    expect(page.get_by_test_id("visibility-tag")).to_have_text("Public")
    screenshot("14-image-view")
    axe_check(page)

    # Public, then private again: the stranger below must not see it anywhere.
    page.goto(f"{drive_url}/images/{private_id}")
    expect(page.get_by_test_id("image-title")).to_have_text("harbour.jpg")
    page.get_by_test_id("visibility-public").click()
    expect(page.get_by_test_id("visibility-tag")).to_have_text("Public")
    page.get_by_test_id("visibility-private").click()
    expect(page.get_by_test_id("visibility-tag")).to_have_text("Private")
    expect(page.get_by_test_id("visibility").locator(".is-active")).to_have_text("Private")
    screenshot("15-image-private")

    # The other screens: each one renders and passes axe.
    for name in ("duplicates", "categories", "library"):
        page.get_by_test_id(f"nav-{name}").click()
        expect(page.locator("h1.page-title")).to_have_text(name.capitalize())
        page.wait_for_load_state("networkidle")
        screenshot(f"16-{name}")
        axe_check(page)

    # Analytics, and a CSV export downloaded and opened.
    page.get_by_test_id("nav-analytics").click()
    expect(page.locator("canvas").first).to_be_visible()
    page.get_by_test_id("export-csv").click()
    link = page.get_by_test_id("export-link")
    expect(link).to_be_visible(timeout=60_000)
    screenshot("17-analytics")
    axe_check(page)
    with page.expect_download() as download_info:
        link.click()
    saved = tmp_path / "export.csv"
    download_info.value.save_as(saved)
    text = saved.read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(r.get("filename") for r in rows) == sorted(pictures), text[:500]

    # Log out: back to the log-in page, and the app is closed again.
    page.get_by_test_id("logout").click()
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_test_id("auth-notice")).to_be_visible()
    page.goto(f"{drive_url}/search")
    expect(page).to_have_url(re.compile(r"/login"))
    screenshot("18-logged-out")

    # A stranger: sees the public picture, never the private one (gallery, search, similar, direct link).
    stranger = unique("bob")
    register(page, drive_url, stranger)
    page.get_by_test_id("scope-visible").click()
    expect(page.locator(f"[data-testid=image-card][data-image-id='{public_id}']")).to_be_visible()
    expect(page.locator(f"[data-testid=image-card][data-image-id='{private_id}']")).to_have_count(0)
    screenshot("19-stranger-gallery")
    page.get_by_test_id("nav-search").click()
    search(page, "text", "a harbour with boats")
    assert private_id not in hit_ids(page)
    page.get_by_test_id("search-tab-image").click()
    page.get_by_test_id("search-picture-input").set_input_files(
        {"name": "harbour-query.jpg", "mimeType": "image/jpeg", "buffer": pictures["harbour.jpg"][0]})
    expect(page.get_by_test_id("search-results")).to_have_attribute("data-query", "image:harbour-query.jpg")
    assert private_id not in hit_ids(page)
    page.goto(f"{drive_url}/images/{public_id}")
    expect(page.get_by_test_id("similar-panel")).to_have_attribute("data-loaded", "true")
    assert private_id not in hit_ids(page)
    page.goto(f"{drive_url}/images/{private_id}")
    expect(page.get_by_test_id("image-error")).to_be_visible()
    screenshot("20-stranger-private-link")
    axe_check(page)
    page.get_by_test_id("logout").click()
    expect(page).to_have_url(re.compile(r"/login"))

    # The owner clears the library: the button unlocks only with the exact phrase typed.
    page.locator("input#username").fill(owner)
    page.locator("input#password").fill(PASSWORD)
    page.get_by_test_id("auth-submit").click()
    page.get_by_test_id("nav-library").click()
    expect(page.get_by_test_id("library-count")).to_have_text("3")
    page.get_by_test_id("clear-phrase").fill("delete all")
    expect(page.get_by_test_id("clear-all")).to_be_disabled()
    page.get_by_test_id("clear-phrase").fill("DELETE ALL")
    page.get_by_test_id("clear-all").click()
    expect(page.get_by_test_id("library-count")).to_have_text("0")
    screenshot("21-library-cleared")
