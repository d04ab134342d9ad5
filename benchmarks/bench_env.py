"""What every benchmark shares: its own database and resources (imagedrive_bench,
imagedrive-bench-*), so a benchmark never touches the local drive's or the tests' data.

Import it before anything from imagedrive: it sets the environment settings are read from.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "localstack")]
os.environ.update({
    "IMAGEDRIVE_PG_DATABASE": "imagedrive_bench",
    "IMAGEDRIVE_ORIGINALS_BUCKET": "imagedrive-bench-originals",
    "IMAGEDRIVE_DERIVED_BUCKET": "imagedrive-bench-derived",
    "IMAGEDRIVE_INGEST_QUEUE": "imagedrive-bench-ingest",
    "IMAGEDRIVE_INDEX_QUEUE": "imagedrive-bench-index",
    "IMAGEDRIVE_DATABASE_SECRET_NAME": "imagedrive-bench/database",
    "IMAGEDRIVE_JWT_SECRET_NAME": "imagedrive-bench/jwt",
    "IMAGEDRIVE_RUN_DIR": str(REPO_ROOT / ".run" / "bench"),
})

from imagedrive import db  # noqa: E402
from imagedrive.db import transaction  # noqa: E402
from imagedrive.settings import get_settings  # noqa: E402
from localcloud import postgres, stack  # noqa: E402


def fresh_database() -> int:
    """Recreate and migrate the benchmark database; return the id of its one user, `bench`."""
    settings = get_settings()
    cluster = postgres.start(postgres.cluster_from_settings(settings))
    os.environ["IMAGEDRIVE_DATABASE_URL"] = postgres.ensure_database(cluster, settings.pg_database, recreate=True)
    get_settings.cache_clear()
    db.reset_connection()
    stack.start_database(get_settings())
    with transaction() as cur:
        cur.execute("INSERT INTO users (username, password_hash) VALUES ('bench', 'x') RETURNING id")
        return cur.fetchone()["id"]
