"""Restart drills: the drive's processes are killed and restarted for real, so each drill module gets
a local cloud of its own (an emulator on its own port and data folder, its own database, run folder
and index cache; the Postgres drill also its own cluster) and never disturbs the shared servers.
Everything is started, stopped and killed through localcloud, the code `./dev up` uses."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from imagedrive import aws, db, secrets
from imagedrive.db import transaction
from imagedrive.search import dispatch
from imagedrive.settings import Settings, get_settings
from localcloud import postgres, processes, server, stack
from localcloud.paths import REPO_ROOT
from tests.integration.localcloud.test_server import free_port

DRILL_POSTGRES_DIR = REPO_ROOT / ".run" / "drills" / "postgres"  # initialised once, reused by later runs


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if f"{os.sep}drills{os.sep}" in str(item.fspath):
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.integration)


def refresh_clients() -> None:
    """Everything cached per process that depends on the environment: read it again."""
    get_settings.cache_clear()
    for cached in (aws.client, aws.queue_url, aws.queue_arn, dispatch.default_engine):
        cached.cache_clear()
    secrets.clear_cache()
    db.reset_connection()


@pytest.fixture(scope="module")
def drill_env(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, models) -> Iterator[Settings]:
    """A private local cloud for one drill module, started, bootstrapped and migrated; its settings.
    A module that sets `OWN_POSTGRES = True` also gets a Postgres cluster of its own."""
    folder = tmp_path_factory.mktemp("drill")
    name = request.module.__name__.rpartition(".")[2].removeprefix("test_")
    environment = {
        "IMAGEDRIVE_LOCALSTACK_PORT": str(free_port()),
        "IMAGEDRIVE_MINISTACK_DATA_DIR": str(folder / "ministack"),
        "IMAGEDRIVE_LOCALSTACK_STATE_DIR": str(folder / "localstack"),
        "IMAGEDRIVE_PG_DATABASE": f"imagedrive_drill_{name}",
        "IMAGEDRIVE_RUN_DIR": str(folder / "run"),
        "IMAGEDRIVE_INDEX_CACHE_DIR": str(folder / "index-cache"),
        # Outages last seconds here: retries come back after 3 s, and 20 receives (a minute) pass before
        # a message counts as poison (AWS: 3 receives of 12 minutes).
        "IMAGEDRIVE_QUEUE_VISIBILITY_TIMEOUT_S": "3",
        "IMAGEDRIVE_MAX_RECEIVE_COUNT": "20",
    }
    if getattr(request.module, "OWN_POSTGRES", False):
        environment |= {"IMAGEDRIVE_PG_PORT": str(free_port()), "IMAGEDRIVE_PG_DATA_DIR": str(DRILL_POSTGRES_DIR)}
    with pytest.MonkeyPatch.context() as patch:
        for key, value in environment.items():
            patch.setenv(key, value)
        patch.delenv("IMAGEDRIVE_DATABASE_URL", raising=False)
        refresh_clients()
        patch.setenv("IMAGEDRIVE_DATABASE_URL", get_settings().local_database_url)
        refresh_clients()
        settings = get_settings()
        cluster = postgres.start(postgres.cluster_from_settings(settings))
        postgres.ensure_database(cluster, settings.pg_database, recreate=True)  # every run starts empty
        stack.start_database(settings)
        stack.start_cloud(settings)
        try:
            yield settings
        finally:
            processes.stop(settings.run_dir, stack.RUNNER_PROCESS)
            server.stop(settings)
            if environment.get("IMAGEDRIVE_PG_PORT"):
                postgres.stop(cluster)
    refresh_clients()


@pytest.fixture
def runner(drill_env: Settings) -> Iterator[None]:
    """The event runner as `./dev up` starts it, in the drill's environment."""
    stack.start_runner(drill_env, env=stack.child_env())
    yield
    processes.stop(drill_env.run_dir, stack.RUNNER_PROCESS)


def status_counts(owner_id: int) -> dict[str, int]:
    with transaction() as cur:
        cur.execute("SELECT status, count(*) AS n FROM images WHERE owner_id = %s GROUP BY status", (owner_id,))
        return {row["status"]: row["n"] for row in cur.fetchall()}


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except Exception:  # a server mid-restart: connect again and ask again
            db.reset_connection()
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what}")


def log_tail(settings: Settings, name: str = stack.RUNNER_PROCESS) -> str:
    log = Path(settings.run_dir) / f"{name}.log"
    return log.read_text(errors="replace")[-3000:] if log.exists() else ""
