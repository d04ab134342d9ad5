"""Browser tests: a whole local drive started the way `./dev up` starts it (test database, local AWS with the
test resources, test models, the event runner, chalice, the built app behind the one-origin web server on
IMAGEDRIVE_WEB_PORT), driven by headless Chromium from Debian's package (never a downloaded browser)."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, sync_playwright

from imagedrive.settings import Settings
from localcloud import node, processes, stack, system_packages
from localcloud.paths import REPO_ROOT

BROWSER_DIR = Path(__file__).resolve().parent
SCREENSHOTS = REPO_ROOT / ".run" / "test-output" / "screenshots"
# Chromium refuses to run as root with its sandbox; the rest keeps it from calling out to Google's services.
CHROMIUM_ARGS = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"] + (["--no-sandbox"] if os.geteuid() == 0 else [])
SERIOUS = ("serious", "critical")
_taken: list[Path] = []  # this session's screenshots, named in the summary


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # This folder's tests need every server, like e2e: `-m "not integration"` leaves them out too.
    for item in items:
        if Path(str(item.fspath)).resolve().is_relative_to(BROWSER_DIR):
            item.add_marker(pytest.mark.integration)
            item.add_marker(pytest.mark.browser)


def pytest_terminal_summary(terminalreporter) -> None:
    if _taken:
        terminalreporter.write_line(f"{len(_taken)} browser screenshots in {SCREENSHOTS}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def drive_url(database: str, cloud: Settings, models, settings: Settings) -> Iterator[str]:
    """The app's one origin (no trailing slash), started as `./dev up` starts it: the web server on
    IMAGEDRIVE_WEB_PORT forwarding /api to a chalice of its own with IMAGEDRIVE_API_BASE_PATH=/api (the HTTP
    tests' chalice on api_port keeps the bare paths), and the event runner so uploads reach READY."""
    drive = settings.model_copy(update={"api_port": _free_port(), "run_dir": settings.run_dir / "browser"})
    env = stack.child_env() | {"IMAGEDRIVE_API_PORT": str(drive.api_port)}  # includes the test model root
    stack.start_runner(settings, env=stack.child_env())
    try:
        with stack.serving(drive, env) as url:
            yield url
    finally:
        processes.stop(settings.run_dir, stack.RUNNER_PROCESS)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    system_packages.ensure(system_packages.BROWSER)
    system_packages.ensure(system_packages.FONTS_CJK)  # the app's Chinese texts render as glyphs, not boxes
    system_packages.ensure(system_packages.FONTS_LATIN)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=system_packages.BROWSER["chromium"], headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh context per test: no cookies, storage or language left over from another test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def screenshot(page: Page) -> Callable[..., Path]:
    """screenshot(name[, locator]): a full-page PNG under .run/test-output/screenshots/, for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str, target: Page | Locator | None = None) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        if target is None or isinstance(target, Page):
            (target or page).screenshot(path=str(path), full_page=True)
        else:
            target.screenshot(path=str(path))
        _taken.append(path)
        return path

    return take


@pytest.fixture(scope="session")
def axe_source() -> str:
    node.ensure_web_installed()
    return (node.WEB_DIR / "node_modules" / "axe-core" / "axe.min.js").read_text()


@pytest.fixture
def axe_check(axe_source: str) -> Callable[[Page], None]:
    """axe_check(page): fails on serious or critical accessibility violations of what the page shows now."""

    def check(target: Page) -> None:
        target.add_script_tag(content=axe_source)
        result = target.evaluate("async () => await axe.run(document)")
        bad = [v for v in result["violations"] if v["impact"] in SERIOUS]
        assert not bad, json.dumps([{"id": v["id"], "impact": v["impact"], "help": v["help"],
                                     "nodes": [n["target"] for n in v["nodes"][:5]]} for v in bad], indent=1)

    return check
