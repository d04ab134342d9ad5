"""The web app's figures: the initial JavaScript a first visit downloads (gzipped, from the Vite manifest, against
the 250 KB target), the time from pressing "log in" to the first thumbnail on screen, and how a 10,000-image
library scrolls (it must fetch pages as it goes, never the whole library).

    .venv/bin/python benchmarks/web.py [--images 10000] [--logins 5] [--scrolls 10] [--size-only]

Runs a drive of its own (imagedrive_bench_web, imagedrive-bench-*, .run/bench-web; web server on IMAGEDRIVE_WEB_PORT,
default 8767) started through localcloud like `./dev up`, with rows planted by SQL that all share one real
thumbnail in S3, and Debian's Chromium driven by Playwright. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import socket
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench_env import REPO_ROOT, fresh_database  # sets the benchmark's own environment before imagedrive is read

from imagedrive.settings import get_settings

# A database and run dir of its own, so it never drops another benchmark's database while that one runs.
os.environ.update({"IMAGEDRIVE_PG_DATABASE": "imagedrive_bench_web",
                   "IMAGEDRIVE_RUN_DIR": str(REPO_ROOT / ".run" / "bench-web")})
os.environ.setdefault("IMAGEDRIVE_WEB_PORT", "8767")  # beside ./dev up's 8000 and the browser tests' 8766
get_settings.cache_clear()

INITIAL_JS_TARGET_KB = 250
PASSWORD = "benchmark passphrase 2026"  # noqa: S105 (the benchmark drive's throwaway account)


def initial_javascript(dist: Path) -> tuple[int, int, list[str]]:
    """(raw bytes, gzipped bytes, files) of the entry chunk and everything it imports statically: what the
    browser must fetch before the app can draw anything (route chunks load later, through dynamic imports)."""
    manifest = json.loads((dist / ".vite" / "manifest.json").read_text())
    entries = [key for key, chunk in manifest.items() if chunk.get("isEntry")]
    seen: set[str] = set()
    while entries:
        key = entries.pop()
        if key not in seen:
            seen.add(key)
            entries.extend(manifest[key].get("imports", []))
    files = sorted(manifest[key]["file"] for key in seen if manifest[key]["file"].endswith(".js"))
    raw = [(dist / name).read_bytes() for name in files]
    return sum(map(len, raw)), sum(len(gzip.compress(data, compresslevel=6)) for data in raw), files


def print_bundle_size() -> None:
    from localcloud import node

    dist = node.ensure_web_built()
    raw, gzipped, files = initial_javascript(dist)
    verdict = "within" if gzipped <= INITIAL_JS_TARGET_KB * 1024 else "OVER"
    print(f"initial JavaScript: {len(files)} files, {raw / 1024:.1f} KB raw, {gzipped / 1024:.1f} KB gzipped "
          f"({verdict} the {INITIAL_JS_TARGET_KB} KB target)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_drive() -> Iterator[str]:
    """The benchmark's own drive on one origin; its URL."""
    from localcloud import bootstrap, server, stack

    settings = get_settings().model_copy(update={"api_port": _free_port()})
    env = stack.child_env() | {"IMAGEDRIVE_API_PORT": str(settings.api_port)}
    server.start(settings)
    bootstrap.bootstrap(settings)
    with stack.serving(settings, env) as url:
        yield url


def plant_library(username: str, count: int) -> None:
    """`count` READY images of `username`, newest first as the gallery sorts them, all with one real thumbnail."""
    from PIL import Image

    from imagedrive.aws import client
    from imagedrive.db import transaction

    thumbnail_key = "thumbnails/bench/shared.jpg"
    picture = io.BytesIO()
    Image.new("RGB", (320, 240), (70, 130, 180)).save(picture, "JPEG")
    client("s3").put_object(Bucket=get_settings().derived_bucket, Key=thumbnail_key, Body=picture.getvalue(),
                            ContentType="image/jpeg")
    with transaction() as cur:
        cur.execute(
            """INSERT INTO images (owner_id, uri, filename, checksum, size, status, ready_at, thumbnail_key,
                                   upload_ts)
               SELECT u.id, 's3://bench/' || n, 'img-' || n || '.jpg', encode(sha256(n::text::bytea), 'hex'),
                      1, 'READY', now(), %s, now() - n * interval '1 second'
               FROM generate_series(1, %s) AS n, users u WHERE u.username = %s""",
            (thumbnail_key, count, username),
        )


def log_in(page, url: str, username: str) -> float:
    """Seconds from pressing "log in" until the gallery shows a loaded thumbnail."""
    page.goto(url + "/login")
    page.locator("input#username").fill(username)
    page.locator("input#password").fill(PASSWORD)
    started = time.perf_counter()
    page.get_by_test_id("auth-submit").click()
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid=image-card] img')]
                   .some(img => img.complete && img.naturalWidth > 0)""", timeout=60_000)
    return time.perf_counter() - started


def count_listings(page) -> list[str]:
    """The GET /api/images requests (one per page of the keyset cursor) the app makes from now on."""
    listings: list[str] = []

    def on_request(request) -> None:
        if request.method == "GET" and request.url.split("?")[0].endswith("/api/images"):
            listings.append(request.url)

    page.on("request", on_request)
    return listings


def scroll_to_bottom(page, times: int) -> None:
    """Scroll to the end of the grid `times` times, each time waiting for the next page's cards to appear."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(times):
        shown = page.get_by_test_id("image-card").count()
        page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
        try:
            page.wait_for_function("n => document.querySelectorAll('[data-testid=image-card]').length > n",
                                   arg=shown, timeout=15_000)
        except PlaywrightTimeout:
            print(f"  no more cards after {shown}")
            return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--logins", type=int, default=5)
    parser.add_argument("--scrolls", type=int, default=10)
    parser.add_argument("--size-only", action="store_true", help="only the initial JavaScript's size")
    args = parser.parse_args()
    print_bundle_size()
    if args.size_only:
        return

    import requests
    from playwright.sync_api import sync_playwright

    from localcloud import system_packages

    fresh_database()
    system_packages.ensure(system_packages.BROWSER)
    username = f"bench{int(time.time())}"
    with running_drive() as url, sync_playwright() as playwright:
        created = requests.post(f"{url}/api/auth/register", json={"username": username, "password": PASSWORD},
                                timeout=60)
        created.raise_for_status()
        plant_library(username, args.images)
        browser = playwright.chromium.launch(executable_path=system_packages.BROWSER["chromium"], headless=True,
                                             args=["--no-sandbox"] if os.geteuid() == 0 else [])
        timings = []
        for _ in range(args.logins):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            timings.append(log_in(context.new_page(), url, username))
            context.close()
        print(f"login -> first thumbnail ({args.images} images, {args.logins} logins, fresh browser each): "
              f"median {statistics.median(timings) * 1000:.0f} ms, best {min(timings) * 1000:.0f} ms, "
              f"worst {max(timings) * 1000:.0f} ms")
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        listings = count_listings(page)
        log_in(page, url, username)
        scroll_to_bottom(page, args.scrolls)
        cards = page.get_by_test_id("image-card").count()
        print(f"login and {args.scrolls} scrolls to the bottom of a {args.images}-image library: "
              f"{len(listings)} listing requests, {cards} cards in the page ({cards / args.images:.1%} of the library)")
        browser.close()


if __name__ == "__main__":
    main()
