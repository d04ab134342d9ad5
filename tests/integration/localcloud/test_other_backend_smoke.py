"""The backend the suite does not run on (LocalStack while MiniStack is the default, and the other
way round) runs a smoke subset in a pytest subprocess, on a port, data folders, database, API port
and run folder of its own, so `./dev test` covers both backends."""

import os
import re
import subprocess
import sys

from imagedrive.settings import Settings
from localcloud import server
from localcloud.paths import REPO_ROOT
from tests.integration.localcloud.test_server import free_port, private_settings

SMOKE_SUBSET = [
    "tests/integration/localcloud/test_bootstrap.py",
    "tests/integration/localcloud/test_runner.py",
    "tests/integration/ingest/test_handler.py::test_uploads_become_ready_through_the_queue",
    "tests/integration/api/test_uploads.py",
]
OTHER = {"ministack": "localstack", "localstack": "ministack"}


def test_the_other_backend_passes_the_smoke_subset(settings: Settings, tmp_path):
    other = private_settings(tmp_path, OTHER[settings.local_aws], free_port())
    env = {
        **os.environ,
        "IMAGEDRIVE_LOCAL_AWS": other.local_aws,
        "IMAGEDRIVE_LOCALSTACK_PORT": str(other.localstack_port),
        "IMAGEDRIVE_MINISTACK_DATA_DIR": str(other.ministack_data_dir),
        "IMAGEDRIVE_LOCALSTACK_STATE_DIR": str(other.localstack_state_dir),
        # Its own database (the session's fixture recreates it), API port and pid files.
        "IMAGEDRIVE_PG_DATABASE": settings.pg_database + "_other_backend",
        "IMAGEDRIVE_API_PORT": str(free_port()),
        "IMAGEDRIVE_RUN_DIR": str(tmp_path / "run"),
    }
    env.pop("IMAGEDRIVE_DATABASE_URL", None)  # recomputed by the child's conftest for its database
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *SMOKE_SUBSET],
            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600,
        )
    finally:
        server.stop(other)
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-2000:]
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    passed = re.search(r"(\d+) passed", summary)
    assert passed and int(passed.group(1)) >= 10, f"the smoke subset must really run: {summary}"
