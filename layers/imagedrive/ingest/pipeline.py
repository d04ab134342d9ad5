"""The one ingestion path, used by the S3 event handler (a few objects at a time) and by the bulk
importer (chunks of hundreds):

validate → sha256 → dedupe per owner → images(PENDING) → thumbnail → embed (batched) → OCR →
auto-categories → one transaction writes vector, text, tags and READY → index-stale request.

Bad input ends FAILED with a readable reason and its original kept under quarantine/. Every other
failure is caught per item, so one image never fails its neighbours: it is reported as ERROR,
`transient` when imagedrive.transient says a dependency was briefly away, for the caller to retry;
`abandon` records the reason once retries are exhausted. A retry or a redelivered event resumes a
PENDING row and never duplicates one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

import numpy as np
from PIL import Image

from imagedrive import storage
from imagedrive.imaging import ImageDecodeError, ImageSource, decode
from imagedrive.indexing.stale import Users, request_rebuild, union
from imagedrive.inference.batch import BatchEmbedding
from imagedrive.inference.ocr import OcrResult, read_pages
from imagedrive.ingest.autotag import AutoTagger
from imagedrive.ingest.repository import (
    DerivedData,
    ExistingImage,
    IngestRepository,
    PostgresIngestRepository,
    ReadyImage,
)
from imagedrive.ingest.targets import IngestTarget, UnknownOwner, resolve_target
from imagedrive.ingest.thumbnail import THUMBNAIL_MIME, make_thumbnail
from imagedrive.log import logger, timed
from imagedrive.queues import MessageQueue, sqs_queue
from imagedrive.settings import Settings, get_settings
from imagedrive.storage import ObjectNotFound, ObjectRef, ObjectStore
from imagedrive.transient import is_transient


class ImageEmbedder(Protocol):
    model_version: str

    def embed_batch(self, image_paths: Sequence[ImageSource], batch_size: int = 32) -> BatchEmbedding: ...

    def embed_text(self, text: str) -> np.ndarray: ...


class TextReader(Protocol):
    engine: str  # what a stored text's provenance records: another engine or model makes it stale
    model: str
    parallel: int  # pictures it reads at once from several threads

    def read(self, image: Image.Image) -> OcrResult: ...


class Status(StrEnum):
    READY = "READY"
    FAILED = "FAILED"  # bad input: recorded, quarantined, not retried
    DUPLICATE = "DUPLICATE"  # the owner already has these bytes (or this event was seen before)
    SKIPPED = "SKIPPED"  # not ours to ingest: unknown owner, object already gone
    ERROR = "ERROR"  # not finished: retry the item (see IngestOutcome.transient)


@dataclass(frozen=True)
class IngestItem:
    ref: ObjectRef
    target: IngestTarget | None = None  # None: decided by the key (S3 events)


@dataclass
class IngestOutcome:
    ref: ObjectRef
    status: Status
    image_id: int | None = None
    reason: str | None = None
    inferred: bool = False  # False when the vector and OCR were copied from the same bytes
    timings: dict[str, float] = field(default_factory=dict)
    error: Exception | None = None
    transient: bool = False  # ERROR because a dependency was away (imagedrive.transient), not the item itself

    def fail(self, error: Exception, stage: str) -> None:
        """This item stops here; the reason names the stage and the error, for the FAILED row."""
        self.status, self.error, self.transient = Status.ERROR, error, is_transient(error)
        self.reason = f"{stage}: {type(error).__name__}: {error}"
        logger.warning("ingest step failed", extra={
            "key": self.ref.key, "error": self.reason, "transient": self.transient,
        })


@dataclass
class _Prepared:
    outcome: IngestOutcome
    target: IngestTarget
    image_id: int  # the PENDING row this item resumes or created
    checksum: str
    image: Image.Image
    thumbnail_key: str
    donor: DerivedData | None
    pages: tuple[Image.Image, ...] = ()  # what OCR reads: every page of a multi-page TIFF


class Ingestor:
    """The pipeline over its ports: models (embedder, reader), the database (IngestRepository), the object
    store and the index queue. The defaults are the real adapters; unit tests pass in-memory ones."""

    def __init__(
        self, embedder: ImageEmbedder, reader: TextReader | None, settings: Settings | None = None, *,
        batch_size: int = 32, repository: IngestRepository | None = None, objects: ObjectStore | None = None,
        index_queue: MessageQueue | None = None,
    ) -> None:
        self.embedder = embedder
        self.reader = reader
        self.settings = settings or get_settings()
        self.batch_size = batch_size
        self.repository: IngestRepository = repository or PostgresIngestRepository()
        self.objects: ObjectStore = objects or storage.s3_objects()
        self.index_queue: MessageQueue = index_queue or sqs_queue(self.settings.index_queue)
        self.tagger = AutoTagger(
            embedder.embed_text,
            min_probability=self.settings.autotag_min_probability,
            min_cosine=self.settings.autotag_min_cosine,
        )

    def ingest(self, items: Sequence[IngestItem]) -> list[IngestOutcome]:
        outcomes: list[IngestOutcome] = []
        prepared: list[_Prepared] = []
        for item in items:
            outcome = IngestOutcome(item.ref, Status.ERROR)
            outcomes.append(outcome)
            try:
                ready = self._prepare(item, outcome)
            except Exception as error:
                outcome.fail(error, "ingest_failed")
                continue
            if ready is not None:
                prepared.append(ready)
        affected: list[Users] = []
        for ready, derived in self._derive(prepared):
            try:
                if derived is not None:
                    affected.append(self._finish(ready, derived))
            except Exception as error:
                ready.outcome.fail(error, "ingest_failed")
        self._request_rebuild(union(affected))
        for outcome in outcomes:
            logger.info("ingested", extra={
                "key": outcome.ref.key, "status": outcome.status, "image_id": outcome.image_id,
                "reason": outcome.reason, "inferred": outcome.inferred, "timings_ms": outcome.timings,
            })
        return outcomes

    def _request_rebuild(self, stale: Users) -> None:
        if not stale:
            return
        try:
            request_rebuild(stale, self.index_queue)
        except Exception:
            # The reconciler asks again for every stale index, so a lost request only delays freshness.
            logger.exception("index rebuild request failed; the reconciler will ask again", extra={"users": stale})

    def abandon(self, ref: ObjectRef, reason: str) -> bool:
        """Retries are exhausted: a PENDING row for this object becomes FAILED with `reason`.
        False when there was no such row."""
        return self.repository.abandon(ref.uri, reason)

    # -- stage 1: per object, up to a PENDING row and a thumbnail -------------------------------

    def _prepare(self, item: IngestItem, outcome: IngestOutcome) -> _Prepared | None:
        timings = outcome.timings
        ref = item.ref
        try:
            target = item.target or self._resolve(ref)
        except UnknownOwner as error:
            self._quarantine(ref, None, outcome, reason=str(error))
            outcome.status = Status.SKIPPED
            return None
        try:
            size = self.objects.object_size(ref)
        except ObjectNotFound:
            # Already handled (a redelivered event) or deleted before we got to it.
            outcome.status, outcome.reason = Status.SKIPPED, "the object no longer exists"
            return None
        if size > self.settings.max_upload_bytes:
            checksum = self.objects.object_sha256(ref)
            self._reject(ref, target, outcome, checksum, size,
                         f"too_large: {size} bytes is more than the {self.settings.max_upload_bytes} allowed")
            return None
        with timed(timings, "read"):
            data = self.objects.read_bytes(ref)
        checksum = hashlib.sha256(data).hexdigest()
        existing = self.repository.find_by_checksum(target.owner_id, checksum)
        resuming = existing is not None and existing.uri == ref.uri and existing.status == "PENDING"
        if existing is not None and not resuming:
            self._duplicate(ref, target, existing, outcome)
            return None
        try:
            with timed(timings, "decode"):
                decoded = decode(data, max_pixels=self.settings.max_image_pixels)
        except ImageDecodeError as error:
            self._reject(ref, target, outcome, checksum, len(data), f"{error.code}: {error.message}")
            return None
        image_id: int | None
        if existing is not None:
            image_id = existing.id
        else:
            with timed(timings, "db_pending"):
                image_id = self.repository.insert_pending(
                    target, uri=ref.uri, checksum=checksum, size=len(data), mime=decoded.mime,
                    width=decoded.width, height=decoded.height,
                )
            if image_id is None:  # the same bytes arrived twice at once; the other one won
                winner = self.repository.find_by_checksum(target.owner_id, checksum)
                self._duplicate(ref, target, winner, outcome)
                return None
        outcome.image_id = image_id
        thumbnail = ObjectRef(self.settings.derived_bucket, storage.thumbnail_key(target.owner_id, image_id))
        with timed(timings, "thumbnail"):
            self.objects.write_bytes(thumbnail, make_thumbnail(decoded.image, self.settings.thumbnail_max_side),
                                     THUMBNAIL_MIME)
        donor = self.repository.find_donor(checksum, self.embedder.model_version)
        return _Prepared(outcome, target, image_id, checksum, decoded.image, thumbnail.key, donor, decoded.pages)

    def _resolve(self, ref: ObjectRef) -> IngestTarget:
        return resolve_target(self.repository, ref)

    def _duplicate(
        self, ref: ObjectRef, target: IngestTarget, existing: ExistingImage | None,
        outcome: IngestOutcome,
    ) -> None:
        outcome.status = Status.DUPLICATE
        outcome.image_id = existing.id if existing else None
        if existing is None or existing.uri == ref.uri:
            return None  # a redelivered event: nothing to do
        # A second upload of bytes the owner already has: no new row, so the object would be orphaned.
        self.repository.record_duplicate_upload(target.owner_id, existing.id, ref.key)
        self.objects.delete(ref)
        return None

    def _reject(
        self, ref: ObjectRef, target: IngestTarget, outcome: IngestOutcome, checksum: str, size: int, reason: str,
    ) -> None:
        """Bad input: a FAILED row pointing at the quarantined original, an audit entry, no retry."""
        self._quarantine(ref, target, outcome, reason=reason, checksum=checksum, size=size)
        outcome.status = Status.FAILED
        return None

    def _quarantine(
        self, ref: ObjectRef, target: IngestTarget | None, outcome: IngestOutcome, *, reason: str,
        checksum: str | None = None, size: int = 0,
    ) -> None:
        kept = storage.quarantine_ref(ref)
        self.objects.copy(ref, kept)
        outcome.reason = reason
        outcome.image_id = self.repository.record_rejected(ref.key, target, kept=kept, reason=reason,
                                                           checksum=checksum, size=size)
        self.objects.delete(ref)

    # -- stage 2: inference, batched across the prepared objects -------------------------------

    def _derive(self, prepared: list[_Prepared]) -> list[tuple[_Prepared, DerivedData | None]]:
        """Each item's vector (one batched model call) and text; an item whose step raises gets
        ERROR and None, and its neighbours go on. The batch's texts are read on the reader's own threads
        while CLIP embeds the batch (ONNX Runtime releases the GIL), so both models keep the cores busy."""
        fresh = [p for p in prepared if p.donor is None]
        with ThreadPoolExecutor(max_workers=self.reader.parallel if self.reader else 1,
                                thread_name_prefix="ocr") as readers:
            texts = {id(p): readers.submit(self._read_text, p) for p in fresh}
            vectors = self._embed(fresh)
            results: list[tuple[_Prepared, DerivedData | None]] = []
            for p in prepared:
                if p.donor is not None:
                    results.append((p, p.donor))
                    continue
                vector = vectors.get(id(p))
                if vector is None:  # the embedding failed: the outcome says why, the text is not kept
                    results.append((p, None))
                    continue
                try:
                    text = texts[id(p)].result()
                except Exception as error:
                    p.outcome.fail(error, "ocr_failed")
                    results.append((p, None))
                    continue
                results.append((p, DerivedData(vector, self.embedder.model_version, text)))
        return results

    def _embed(self, fresh: list[_Prepared]) -> dict[int, np.ndarray]:
        """id(prepared) → vector for those that got one; `embedding_failed` for those the model refused."""
        if not fresh:
            return {}
        try:
            batch = self.embedder.embed_batch([p.image for p in fresh], batch_size=self.batch_size)
        except Exception as error:
            for p in fresh:
                p.outcome.fail(error, "embedding_failed")
            return {}
        share = round(batch.elapsed_ms / len(fresh), 2)
        vectors: dict[int, np.ndarray] = {}
        for p, vector in zip(fresh, batch.vectors, strict=True):
            p.outcome.timings["embed"] = share
            if vector is not None:
                vectors[id(p)] = vector
        for failure in batch.failures:
            p = fresh[failure.index]
            try:
                self._embedding_failed(p, f"{failure.reason}: {failure.detail}")
            except Exception as error:
                p.outcome.fail(error, "embedding_failed")
        return vectors

    def _read_text(self, p: _Prepared) -> OcrResult | None:
        if self.reader is None:
            return None
        with timed(p.outcome.timings, "ocr"):
            return read_pages(self.reader, p.pages or (p.image,))

    def _embedding_failed(self, p: _Prepared, reason: str) -> None:
        """The spec's `embedding_failed`: audited, FAILED, left out of every index."""
        self.repository.embedding_failed(p.image_id, p.target.owner_id, reason)
        p.outcome.status, p.outcome.reason = Status.FAILED, reason

    # -- stage 3: one transaction per image -----------------------------------------------------

    def _finish(self, p: _Prepared, derived: DerivedData) -> Users:
        outcome, target = p.outcome, p.target
        with timed(outcome.timings, "db_ready"):
            tags = self.tagger.tags(derived.vector, self.repository.category_prompts(target.owner_id))
            users = self.repository.write_ready(ReadyImage(
                p.image_id, target, outcome.ref.key, derived, p.thumbnail_key, tags, copied=p.donor is not None,
                timings_ms=outcome.timings,
            ))
        outcome.status = Status.READY
        outcome.inferred = p.donor is None
        return users
