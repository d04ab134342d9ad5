"""Builds one index version: Postgres snapshot → search index → S3 → pointer switch → cleanup.

The index filed under `user_id` is that user's private index, or the shared one (public and system images)
when `user_id` is the system user (imagedrive.indexing.scope).

A failure anywhere before the switch marks the version failed and leaves the current one serving; the
switch itself is one transaction (see `versions.publish`).
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from imagedrive.db import transaction
from imagedrive.indexing import versions
from imagedrive.indexing.scope import scope_of
from imagedrive.indexing.search_index import SearchIndex, build_index, files_of, kind_of
from imagedrive.indexing.store import INDEX_FILE, POSITIONS_FILE, IndexManifest, IndexStore
from imagedrive.indexing.vectors import read_scope
from imagedrive.indexing.versions import IndexVersion
from imagedrive.log import logger, timed
from imagedrive.settings import get_settings
from imagedrive.storage import index_prefix
from imagedrive.telemetry import record_index_build, record_index_build_failure

SPEC_DIM = 512  # the dimension of an index with no vectors at all (the spec's float32[512])


@dataclass(frozen=True)
class BuildResult:
    version: IndexVersion
    current: bool  # False when a concurrent build had already published a newer version
    build_ms: float
    timings_ms: dict[str, float]


def build_user_index(user_id: int, model_version: str, *, store: IndexStore | None = None) -> BuildResult:
    store = store or IndexStore(get_settings().derived_bucket)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with transaction() as cur:
        version = versions.allocate(cur, user_id)
        prefix = index_prefix(user_id, version)
        versions.start(cur, user_id, version, prefix)
    try:
        with timed(timings, "read"), transaction() as cur:
            # One snapshot for the staleness marker and the vectors, so "nothing changed since" is exact.
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            marker = versions.state_marker(cur, user_id)
            scope = scope_of(cur, user_id)
            vectors = read_scope(cur, scope, model_version)
        with timed(timings, "index"):
            index = build_index(vectors.vectors, vectors.ids, SPEC_DIM)
        built = IndexVersion(user_id, version, prefix, index.size, index.dim, model_version, vectors.watermark,
                             built_at=datetime.now(UTC))
        build_ms = _upload(store, index, built, started, timings)
        with timed(timings, "publish"), transaction() as cur:
            published = versions.publish(cur, built, build_ms=build_ms, marker=marker,
                                         timeout_s=get_settings().index_build_timeout_s)
    except Exception:
        record_index_build_failure()
        logger.exception("index build failed; the current version keeps serving",
                         extra={"user_id": user_id, "version": version, "timings_ms": timings})
        _abandon(store, user_id, version, prefix)
        raise
    record_index_build(build_ms, built.count)
    with timed(timings, "cleanup"):
        _delete_retired(store, user_id, published.retired)
    logger.info("index built", extra={
        "user_id": user_id, "shared": scope.shared, "version": version, "count": built.count,
        "current": published.current,
        "build_ms": build_ms, "timings_ms": timings,
    })
    return BuildResult(built, published.current, build_ms, timings)


def _upload(store: IndexStore, index: SearchIndex, built: IndexVersion, started: float,
            timings: dict[str, float]) -> float:
    with timed(timings, "upload"), tempfile.TemporaryDirectory(prefix="index-") as folder:
        index.write(Path(folder) / INDEX_FILE, Path(folder) / POSITIONS_FILE)
        build_ms = round((time.perf_counter() - started) * 1000, 2)
        manifest = IndexManifest(
            user_id=built.user_id, version=built.version, count=built.count, dim=built.dim,
            model_version=built.model_version,
            watermark=built.watermark.isoformat() if built.watermark else None,
            built_at=built.built_at.isoformat(), build_ms=build_ms, kind=kind_of(index), files=files_of(index),
        )
        store.upload(built.s3_prefix, Path(folder), manifest)
    return build_ms


def _abandon(store: IndexStore, user_id: int, version: int, prefix: str) -> None:
    """Best effort: the version is marked failed and its partial objects removed."""
    try:
        with transaction() as cur:
            versions.fail(cur, user_id, version)
        store.delete(prefix)
    except Exception:
        logger.warning("could not clean up a failed build", extra={"user_id": user_id, "version": version})


def _delete_retired(store: IndexStore, user_id: int, prefixes: list[str]) -> None:
    deleted = []
    for prefix in prefixes:
        try:
            store.delete(prefix)
            deleted.append(prefix)
        except Exception:  # the row stays 'deleted' and the next build retries
            logger.warning("could not delete a retired index version", extra={"prefix": prefix})
    if deleted:
        with transaction() as cur:
            versions.forget(cur, user_id, deleted)
