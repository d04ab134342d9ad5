"""Shared fixtures. Integration tests run against the real Postgres and LocalStack, started by
the project's own scripts (localcloud) when they are not already up, with test-only names so a
running local drive is never touched."""

from __future__ import annotations

import os
from pathlib import Path

from localcloud.paths import use_checkout_paths

use_checkout_paths()  # the developer paths (.run, .cache/models) of this checkout, as ./dev has them
# Before anything reads settings: the test database, buckets and queues are the tests' own.
# Short visibility timeouts make SQS retries and redrive observable within seconds.
TEST_ENVIRONMENT = {
    "IMAGEDRIVE_ENVIRONMENT": "test",
    "IMAGEDRIVE_PG_DATABASE": "imagedrive_test",
    "IMAGEDRIVE_ORIGINALS_BUCKET": "imagedrive-test-originals",
    "IMAGEDRIVE_DERIVED_BUCKET": "imagedrive-test-derived",
    "IMAGEDRIVE_INGEST_QUEUE": "imagedrive-test-ingest",
    "IMAGEDRIVE_INDEX_QUEUE": "imagedrive-test-index",
    "IMAGEDRIVE_QUEUE_VISIBILITY_TIMEOUT_S": "2",
    "IMAGEDRIVE_MAX_RECEIVE_COUNT": "2",
    "IMAGEDRIVE_DATABASE_SECRET_NAME": "imagedrive-test/database",
    "IMAGEDRIVE_JWT_SECRET_NAME": "imagedrive-test/jwt",
    "IMAGEDRIVE_API_PORT": "8765",
    "IMAGEDRIVE_WEB_PORT": "8766",  # the browser tests' one origin (tests/browser/conftest.py)
    "IMAGEDRIVE_RUN_DIR": str(Path(__file__).resolve().parents[1] / ".run" / "test"),
}
for _name, _value in TEST_ENVIRONMENT.items():
    os.environ.setdefault(_name, _value)

import pytest  # noqa: E402

from imagedrive import secrets  # noqa: E402
from imagedrive.settings import Settings, get_settings  # noqa: E402

# The test database's URL, also inherited by the servers tests start (chalice local, the runner).
os.environ.setdefault("IMAGEDRIVE_DATABASE_URL", get_settings().local_database_url)
get_settings.cache_clear()

pytest_plugins = ["tests.fixtures.cloud", "tests.fixtures.ingest", "tests.fixtures.models"]


@pytest.fixture(scope="session")
def settings() -> Settings:
    return get_settings()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Folder decides the marker, so `-m "not integration"` runs the server-free tests only.
    for item in items:
        path = str(item.fspath)
        if f"{os.sep}integration{os.sep}" in path:
            item.add_marker(pytest.mark.integration)
        elif f"{os.sep}e2e{os.sep}" in path:
            item.add_marker(pytest.mark.integration)
            item.add_marker(pytest.mark.e2e)
    # The browser tests' drive (its event runner consumes the test ingest queue) lives until the session
    # ends, so they run last: no other test shares the queues with that runner.
    items.sort(key=lambda item: f"{os.sep}browser{os.sep}" in str(item.fspath))


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    """Each test reads settings and secrets as they are now (some tests change the environment)."""
    yield
    secrets.clear_cache()
