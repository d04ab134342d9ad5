"""What every benchmark shares: its own database and resources (imagedrive_bench,
imagedrive-bench-*), so a benchmark never touches the local drive's or the tests' data.

Import it before anything from imagedrive: it sets the environment settings are read from.
"""

from __future__ import annotations

import io
import os
import struct
import sys
from pathlib import Path

import numpy as np

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


def plant(user_id: int, vectors: np.ndarray, model_version: str, visibility: str = "private") -> np.ndarray:
    """N READY images of one owner (one SQL statement) and their embeddings (one binary COPY built by numpy);
    returns their ids in the order of `vectors`."""
    with transaction() as cur:
        cur.execute(
            """INSERT INTO images (owner_id, uri, filename, checksum, size, status, ready_at, thumbnail_key,
                                   visibility)
               SELECT %(owner)s, 's3://bench/' || %(name)s || n, 'img-' || n || '.jpg',
                      encode(sha256((%(name)s || n)::bytea), 'hex'), 1, 'READY', now(),
                      'thumbnails/bench/' || %(name)s || n || '.jpg', %(visibility)s
               FROM generate_series(1, %(n)s) AS n RETURNING id""",
            {"owner": user_id, "name": f"{user_id}/{visibility}/", "visibility": visibility, "n": len(vectors)},
        )
        ids = np.array(sorted(r["id"] for r in cur.fetchall()), dtype=np.int64)
        version = model_version.encode()
        row = np.dtype([
            ("fields", ">i2"), ("id_len", ">i4"), ("id", ">i8"), ("mv_len", ">i4"), ("mv", f"S{len(version)}"),
            ("dim_len", ">i4"), ("dim", ">i4"), ("norm_len", ">i4"), ("norm", "u1"), ("vec_len", ">i4"),
            ("vec", "<f4", (vectors.shape[1],)),
        ])
        rows = np.zeros(len(vectors), dtype=row)
        rows["fields"], rows["id_len"], rows["id"] = 5, 8, ids
        rows["mv_len"], rows["mv"], rows["dim_len"], rows["dim"] = len(version), version, 4, vectors.shape[1]
        rows["norm_len"], rows["norm"], rows["vec_len"], rows["vec"] = 1, 1, vectors.shape[1] * 4, vectors
        stream = io.BytesIO(b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0) + rows.tobytes() + struct.pack(">h", -1))
        cur.copy_expert("COPY embeddings (image_id, model_version, dim, normalized, vec) FROM STDIN (FORMAT binary)",
                        stream)
    with transaction() as cur:  # the statistics autovacuum would gather on a library that grew over time
        cur.execute("ANALYZE images; ANALYZE embeddings")
    return ids
