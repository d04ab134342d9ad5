"""Index storage and rebuild cost with one shared index of public images and a private index per user,
against the design before it (every user's index held every public image again).

    .venv/bin/python benchmarks/index_cost.py [--public 100000] [--users 1000] [--own 100] [--before-samples 3]

Plants `--public` public images and `--own` private images for each of `--users` users in its own database
(imagedrive_bench_cost), then through the real builder (Postgres → index → S3): builds the shared index once and
every user's private index, and times warm searches of one user over both. "Before" is measured on
`--before-samples` users by the old build path (that user's whole visible set → one index → S3) and multiplied
by the number of users; those builds are real, only the multiplication is arithmetic. Vectors are random unit
vectors (the flat index's cost does not depend on their values). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from bench_env import fresh_database, plant

from imagedrive.db import transaction
from imagedrive.indexing.builder import build_user_index
from imagedrive.indexing.cache import IndexCache
from imagedrive.indexing.scope import shared_owner
from imagedrive.indexing.search_index import build_index, files_of, kind_of
from imagedrive.indexing.store import INDEX_FILE, POSITIONS_FILE, IndexManifest, IndexStore
from imagedrive.indexing.vectors import read_visible
from imagedrive.search.engine import SearchEngine
from imagedrive.search.models import SimilarSearch
from imagedrive.settings import get_settings
from imagedrive.storage import s3_objects
from localcloud import bootstrap, server

os.environ.update({  # its own database and buckets: never the search benchmark's
    "IMAGEDRIVE_PG_DATABASE": "imagedrive_bench_cost",
    "IMAGEDRIVE_DERIVED_BUCKET": "imagedrive-bench-cost-derived",
    "IMAGEDRIVE_ORIGINALS_BUCKET": "imagedrive-bench-cost-originals",
})
get_settings.cache_clear()

MODEL = "bench-random-512"
DIM = 512


class StoredVectorsOnly:
    """The searches timed here are `similar` (a stored vector: no inference), so no CLIP is loaded."""

    model_version = MODEL

    def embed_text(self, text: str) -> np.ndarray:
        raise NotImplementedError

    def embed_image(self, image: bytes) -> np.ndarray:
        raise NotImplementedError


def unit_rows(rng: np.random.Generator, n: int) -> np.ndarray:
    vectors = rng.standard_normal((n, DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def prefix_bytes(bucket: str, prefix: str) -> int:
    return sum(o.size for o in s3_objects().list_objects(bucket, prefix))


def old_style_build(user_id: int, store: IndexStore) -> tuple[float, int]:
    """The build before the split: the user's whole visible set (own + every public image) → one index → S3."""
    started = time.perf_counter()
    with transaction() as cur:
        vectors = read_visible(cur, user_id, MODEL)
    index = build_index(vectors.vectors, vectors.ids, DIM)
    prefix = f"bench-before/{user_id}/"
    with tempfile.TemporaryDirectory() as folder:
        index.write(Path(folder) / INDEX_FILE, Path(folder) / POSITIONS_FILE)
        manifest = IndexManifest(user_id=user_id, version=1, count=index.size, dim=index.dim, model_version=MODEL,
                                 watermark=None, built_at=datetime.now(UTC).isoformat(), build_ms=0.0,
                                 kind=kind_of(index), files=files_of(index))
        store.upload(prefix, Path(folder), manifest)
    seconds = time.perf_counter() - started
    size = prefix_bytes(store.bucket, prefix)
    store.delete(prefix)
    return seconds, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--public", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--own", type=int, default=100, help="private images per user")
    parser.add_argument("--before-samples", type=int, default=3)
    parser.add_argument("--searches", type=int, default=30)
    args = parser.parse_args()
    settings = get_settings()
    server.start(settings)
    bootstrap.bootstrap(settings)
    rng = np.random.default_rng(5)

    first = fresh_database()
    started = time.perf_counter()
    with transaction() as cur:
        cur.execute("""INSERT INTO users (username, password_hash)
                       SELECT 'user' || n, 'x' FROM generate_series(2, %s) AS n RETURNING id""", (args.users,))
        users = [first] + [row["id"] for row in cur.fetchall()]
        shared = shared_owner(cur)
    plant(first, unit_rows(rng, args.public), MODEL, visibility="public")
    for user_id in users:
        plant(user_id, unit_rows(rng, args.own), MODEL)
    print(f"index cost benchmark: {os.cpu_count()} cores; {args.public:,} public images, {args.users:,} users with "
          f"{args.own} private images each (planted in {time.perf_counter() - started:.0f} s, not part of the system)")

    store = IndexStore(settings.derived_bucket)
    started = time.perf_counter()
    shared_build = build_user_index(shared, MODEL, store=store)
    shared_s = time.perf_counter() - started
    shared_bytes = prefix_bytes(store.bucket, shared_build.version.s3_prefix)

    private_s, private_bytes = [], []
    started = time.perf_counter()  # for the progress line; the figures sum the builds alone
    for n, user_id in enumerate(users, start=1):
        t = time.perf_counter()
        built = build_user_index(user_id, MODEL, store=store)
        private_s.append(time.perf_counter() - t)
        private_bytes.append(prefix_bytes(store.bucket, built.version.s3_prefix))
        if n % 100 == 0 or n == len(users):
            print(f"  private indexes built: {n:,}/{len(users):,} ({time.perf_counter() - started:.0f} s)", flush=True)
    all_private_s = sum(private_s)

    before = [old_style_build(user_id, store) for user_id in users[: args.before_samples]]
    before_s = statistics.mean(s for s, _ in before)
    before_bytes = statistics.mean(b for _, b in before)

    with tempfile.TemporaryDirectory() as cache_dir:
        engine = SearchEngine(StoredVectorsOnly(), IndexCache(store, Path(cache_dir), settings.index_cache_mb << 20))
        with transaction() as cur:
            cur.execute("SELECT id FROM images WHERE owner_id = %s ORDER BY id LIMIT %s", (users[-1], args.searches))
            probes = [row["id"] for row in cur.fetchall()]
        cold = engine.similar(users[-1], SimilarSearch(image_id=probes[0], k=20)).timing
        warm = [engine.similar(users[-1], SimilarSearch(image_id=p, k=20)).timing for p in probes[1:]]
        second_user = engine.similar(users[-2], SimilarSearch(image_id=probes[0] - args.own, k=20)).timing

    u = args.users
    gib = 2**30
    storage_before, storage_after = u * before_bytes, shared_bytes + sum(private_bytes)
    print(f"\n{'':44}{'before (one index per user)':>30}{'after (shared + private)':>28}")
    print(f"{'vectors stored in indexes':44}{u * (args.public + args.own):>30,}{args.public + u * args.own:>28,}")
    print(f"{'index bytes in S3':44}{storage_before / gib:>26.2f} GiB{storage_after / gib:>24.2f} GiB"
          f"   = {storage_before / storage_after:.0f}x less")
    print(f"{'a public image changes: rebuild work':44}{u * before_s:>28.0f} s{shared_s:>26.1f} s"
          f"   = {u * before_s / shared_s:.0f}x less  (before: {u:,} x {before_s:.2f} s measured on "
          f"{len(before)} users)")
    print(f"{'a private image changes: rebuild work':44}{before_s:>28.2f} s{statistics.mean(private_s):>26.3f} s")
    print(f"{'every index built once':44}{u * before_s:>28.0f} s{shared_s + all_private_s:>26.0f} s")
    print(f"{'one index build, mean':44}{before_s:>28.2f} s   shared {shared_s:.2f} s, private "
          f"{statistics.mean(private_s) * 1000:.0f} ms (p95 "
          f"{sorted(private_s)[int(0.95 * (len(private_s) - 1))] * 1000:.0f} ms)")
    mean_private_kib = statistics.mean(private_bytes) / 1024
    print(f"{'bytes per user index':44}{before_bytes / 2**20:>26.1f} MiB{mean_private_kib:>24.1f} KiB"
          f"   (shared: {shared_bytes / 2**20:.1f} MiB once)")
    warm_total = statistics.median(t.total_ms for t in warm)
    warm_search = statistics.median(t.search_ms for t in warm)
    print(f"\nsimilar search of one user over shared ({shared_build.version.count:,}) + private ({args.own}) "
          f"+ fresh rows:")
    print(f"  first search (both indexes from S3)         {cold.total_ms:8.1f} ms (load {cold.load_ms:.1f} ms)")
    print(f"  warm p50 total / search step                {warm_total:8.1f} / {warm_search:.1f} ms")
    print(f"  another user's first search (shared index warm, own from S3)  {second_user.total_ms:8.1f} ms "
          f"(load {second_user.load_ms:.1f} ms)")


if __name__ == "__main__":
    main()
