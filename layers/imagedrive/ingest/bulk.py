"""Bulk import of a folder and re-embedding after a model change, following the spec's batch
section: chunks of `chunk_size` images, each embedded with `embed_batch` micro-batches of
`batch_size`, per-image fallback inside embed_batch, `embedding_failed` audited by the pipeline,
and a log line per chunk. Originals go to S3 and through the same `Ingestor` as S3 events.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from imagedrive import storage
from imagedrive.image_types import MIME_BY_SUFFIX
from imagedrive.indexing.stale import EVERYONE, request_rebuild
from imagedrive.ingest.pipeline import IngestItem, Ingestor
from imagedrive.ingest.repository import PostgresIngestRepository, PostgresStoredImages, StoredImages
from imagedrive.ingest.targets import IngestTarget
from imagedrive.log import logger
from imagedrive.progress import ProgressBars, silent
from imagedrive.settings import get_settings
from imagedrive.storage import ObjectRef


@dataclass(frozen=True)
class ImportOptions:
    owner: str
    visibility: str | None = None  # default: private for a user, system for `system`
    category_from_dirname: bool = False
    chunk_size: int = 256
    batch_size: int = 32
    limit: int | None = None
    dry_run: bool = False


@dataclass
class ImportReport:
    found: int = 0
    already_ready: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    elapsed_s: float = 0.0


def find_images(root: Path, limit: int | None = None) -> list[Path]:
    paths = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in MIME_BY_SUFFIX)
    return paths[:limit] if limit is not None else paths


def owner_target(owner: str, visibility: str | None) -> tuple[int, str]:
    found = PostgresIngestRepository().drop_owner(owner)
    if found is None:
        raise SystemExit(f"no user named {owner!r}")
    return found.id, visibility or ("system" if found.is_system else "private")


def import_folder(root: Path, make_ingestor: Callable[[], Ingestor], options: ImportOptions,
                  progress: ProgressBars = silent, stored: StoredImages | None = None) -> ImportReport:
    """`make_ingestor` is called once, when the first image needs ingesting: a resumed or
    repeated import that finds everything READY never loads the models."""
    stored = stored or PostgresStoredImages()
    owner_id, visibility = owner_target(options.owner, options.visibility)
    paths = find_images(root, options.limit)
    report = ImportReport(found=len(paths))
    started = time.perf_counter()
    bucket = get_settings().originals_bucket
    ingestor: Ingestor | None = None
    with progress(len(paths), "import") as bar:
        for chunk in _chunks(paths, options.chunk_size):
            checksums = [hashlib.sha256(p.read_bytes()).hexdigest() for p in chunk]
            done = stored.ready_checksums(owner_id, checksums)  # resume: what a previous run finished
            todo = [(p, c) for p, c in zip(chunk, checksums, strict=True) if c not in done]
            report.already_ready += len(chunk) - len(todo)
            bar.update(len(chunk) - len(todo))
            if options.dry_run or not todo:
                continue
            ingestor = ingestor or make_ingestor()
            items = []
            for path, checksum in todo:
                target = IngestTarget(
                    owner_id, visibility, "import", storage.sanitise_filename(path.name),
                    path.parent.name if options.category_from_dirname and path.parent != root else None,
                )
                ref = ObjectRef(bucket, storage.import_key(owner_id, checksum, target.filename))
                ingestor.objects.write_bytes(ref, path.read_bytes(), _content_type(path))
                items.append(IngestItem(ref, target))
            chunk_started = time.perf_counter()
            outcomes = ingestor.ingest(items)
            chunk_statuses = Counter(o.status.value for o in outcomes)
            report.statuses.update(chunk_statuses)
            bar.update(len(todo))
            logger.info("import chunk", extra={
                "images": len(todo), "ms": round((time.perf_counter() - chunk_started) * 1000, 1),
                "statuses": dict(chunk_statuses),
            })
    report.elapsed_s = round(time.perf_counter() - started, 2)
    return report


def _content_type(path: Path) -> str:
    suffix = path.suffix.lower()
    return MIME_BY_SUFFIX.get(suffix, "application/octet-stream")


def _chunks(paths: list[Path], size: int) -> Iterator[list[Path]]:
    for start in range(0, len(paths), size):
        yield paths[start:start + size]


def reembed(ingestor: Ingestor, *, chunk_size: int = 256, batch_size: int = 32,
            progress: ProgressBars = silent, stored: StoredImages | None = None) -> Counter[str]:
    """Recompute vectors whose model_version is not the current model's, in id order, chunk by
    chunk; each chunk commits on its own, so an interrupted run resumes where it stopped."""
    stored = stored or PostgresStoredImages()
    embedder = ingestor.embedder
    counts: Counter[str] = Counter()
    total = stored.count_embedded_otherwise(embedder.model_version)
    last_id = 0
    with progress(total, "reembed") as bar:
        while True:
            rows = stored.embedded_otherwise(embedder.model_version, after_id=last_id, limit=chunk_size)
            if not rows:
                break
            last_id = rows[-1].id
            images = [ingestor.objects.read_bytes(ObjectRef.from_uri(row.uri)) for row in rows]
            batch = embedder.embed_batch(images, batch_size=batch_size)
            stored.write_embeddings(embedder.model_version, list(zip(rows, batch.vectors, strict=True)))
            counts.update("failed" if vector is None else "reembedded" for vector in batch.vectors)
            bar.update(len(rows))
    if counts["reembedded"]:
        request_rebuild(EVERYONE, ingestor.index_queue)
    return counts
