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
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

import numpy as np
from PIL import Image

from imagedrive import audit, storage
from imagedrive.db import transaction
from imagedrive.imaging import ImageDecodeError, ImageSource, decode
from imagedrive.indexing.stale import affected_users, mark_stale, request_rebuild, union
from imagedrive.inference.batch import BatchEmbedding
from imagedrive.inference.ocr import OcrResult, read_pages
from imagedrive.ingest import repository
from imagedrive.ingest.autotag import AutoTagger
from imagedrive.ingest.repository import DerivedData
from imagedrive.ingest.targets import IngestTarget, UnknownOwner, resolve_target
from imagedrive.ingest.thumbnail import THUMBNAIL_MIME, make_thumbnail
from imagedrive.log import logger, timed
from imagedrive.settings import Settings, get_settings
from imagedrive.storage import ObjectRef
from imagedrive.transient import is_transient


class Embedder(Protocol):
    model_version: str

    def embed_batch(self, image_paths: Sequence[ImageSource], batch_size: int = 32) -> BatchEmbedding: ...

    def embed_text(self, text: str) -> np.ndarray: ...


class TextReader(Protocol):
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
    def __init__(
        self, embedder: Embedder, reader: TextReader | None, settings: Settings | None = None, *,
        batch_size: int = 32,
    ) -> None:
        self.embedder = embedder
        self.reader = reader
        self.settings = settings or get_settings()
        self.batch_size = batch_size
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
        affected: list[list[int] | str] = []
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

    @staticmethod
    def _request_rebuild(stale: list[int] | str) -> None:
        if not stale:
            return
        try:
            request_rebuild(stale)
        except Exception:
            # The reconciler asks again for every stale index, so a lost request only delays freshness.
            logger.exception("index rebuild request failed; the reconciler will ask again", extra={"users": stale})

    def abandon(self, ref: ObjectRef, reason: str) -> bool:
        """Retries are exhausted: a PENDING row for this object becomes FAILED with `reason`.
        False when there was no such row."""
        with transaction() as cur:
            cur.execute(
                """UPDATE images SET status = 'FAILED', error = %s, updated_at = now()
                   WHERE uri = %s AND status = 'PENDING' RETURNING id, owner_id""",
                (reason, ref.uri),
            )
            rows = cur.fetchall()
            for row in rows:
                audit.record(cur, "ingest_abandoned", user_id=row["owner_id"], target_id=row["id"], reason=reason)
        return bool(rows)

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
            size = storage.s3_objects().object_size(ref)
        except storage.ObjectNotFound:
            # Already handled (a redelivered event) or deleted before we got to it.
            outcome.status, outcome.reason = Status.SKIPPED, "the object no longer exists"
            return None
        if size > self.settings.max_upload_bytes:
            checksum = storage.s3_objects().object_sha256(ref)
            self._reject(ref, target, outcome, checksum, size,
                         f"too_large: {size} bytes is more than the {self.settings.max_upload_bytes} allowed")
            return None
        with timed(timings, "read"):
            data = storage.s3_objects().read_bytes(ref)
        checksum = hashlib.sha256(data).hexdigest()
        with transaction() as cur:
            existing = repository.find_by_checksum(cur, target.owner_id, checksum)
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
            with timed(timings, "db_pending"), transaction() as cur:
                image_id = repository.insert_image(
                    cur, target, uri=ref.uri, checksum=checksum, size=len(data), mime=decoded.mime,
                    width=decoded.width, height=decoded.height,
                )
            if image_id is None:  # the same bytes arrived twice at once; the other one won
                with transaction() as cur:
                    winner = repository.find_by_checksum(cur, target.owner_id, checksum)
                self._duplicate(ref, target, winner, outcome)
                return None
        outcome.image_id = image_id
        thumbnail = storage.thumbnail_ref(target.owner_id, image_id)
        with timed(timings, "thumbnail"):
            storage.s3_objects().write_bytes(thumbnail, make_thumbnail(decoded.image, self.settings.thumbnail_max_side),
                                THUMBNAIL_MIME)
        with transaction() as cur:
            donor = repository.find_donor(cur, checksum, self.embedder.model_version)
        return _Prepared(outcome, target, image_id, checksum, decoded.image, thumbnail.key, donor, decoded.pages)

    def _resolve(self, ref: ObjectRef) -> IngestTarget:
        with transaction() as cur:
            return resolve_target(cur, ref)

    def _duplicate(
        self, ref: ObjectRef, target: IngestTarget, existing: repository.ExistingImage | None,
        outcome: IngestOutcome,
    ) -> None:
        outcome.status = Status.DUPLICATE
        outcome.image_id = existing.id if existing else None
        if existing is None or existing.uri == ref.uri:
            return None  # a redelivered event: nothing to do
        # A second upload of bytes the owner already has: no new row, so the object would be orphaned.
        with transaction() as cur:
            audit.record(cur, "duplicate_upload", user_id=target.owner_id, target_id=existing.id, key=ref.key)
        storage.s3_objects().delete(ref)
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
        storage.s3_objects().copy(ref, kept)
        outcome.reason = reason
        with transaction() as cur:
            image_id = None
            if target is not None and checksum is not None:
                image_id = repository.insert_image(
                    cur, target, uri=kept.uri, checksum=checksum, size=size, error=reason,
                )
            outcome.image_id = image_id
            audit.record(cur, "ingest_failed", user_id=target.owner_id if target else None, target_id=image_id,
                         key=ref.key, quarantined_as=kept.key, reason=reason)
        storage.s3_objects().delete(ref)

    # -- stage 2: inference, batched across the prepared objects -------------------------------

    def _derive(self, prepared: list[_Prepared]) -> list[tuple[_Prepared, DerivedData | None]]:
        """Each item's vector (one batched model call) and text; an item whose step raises gets
        ERROR and None, and its neighbours go on."""
        vectors = self._embed([p for p in prepared if p.donor is None])
        results: list[tuple[_Prepared, DerivedData | None]] = []
        for p in prepared:
            if p.donor is not None:
                results.append((p, p.donor))
                continue
            vector = vectors.get(id(p))
            if vector is None:
                results.append((p, None))
                continue
            try:
                text = self._read_text(p)
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
        with transaction() as cur:
            repository.mark_failed(cur, p.image_id, reason)
            audit.record(cur, "embedding_failed", user_id=p.target.owner_id, target_id=p.image_id,
                         reason=reason)
        p.outcome.status, p.outcome.reason = Status.FAILED, reason

    # -- stage 3: one transaction per image -----------------------------------------------------

    def _finish(self, p: _Prepared, derived: DerivedData) -> list[int] | str:
        outcome, target = p.outcome, p.target
        with timed(outcome.timings, "db_ready"), transaction() as cur:
            tags = self.tagger.tags(derived.vector, repository.category_prompts(cur, target.owner_id))
            manual = []
            if target.category:
                manual.append(repository.ensure_category(cur, target.category, target.owner_id,
                                                         target.visibility == "system"))
            repository.write_ready(cur, p.image_id, derived, thumbnail_key=p.thumbnail_key,
                                   auto_categories=[t for t in tags if t[0] not in manual],
                                   manual_categories=manual)
            audit.record(cur, "image_ready", user_id=target.owner_id, target_id=outcome.image_id,
                         key=outcome.ref.key, copied_from_checksum=p.donor is not None, timings_ms=outcome.timings)
            users = affected_users(target.owner_id, target.visibility)
            mark_stale(cur, users)
        outcome.status = Status.READY
        outcome.inferred = p.donor is None
        return users
