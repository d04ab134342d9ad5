"""`python -m imagedrive reocr`: read again the READY images whose OCR is stale — never read, read
before provenance was recorded, or read by another engine or model than the configured one.

Chunks go in id order and each commits on its own, so an interrupted run resumes where it
stopped; a stale image whose original is gone or undecodable is counted, audited and skipped.
"""

from __future__ import annotations

from collections import Counter

from imagedrive import storage
from imagedrive.imaging import ImageDecodeError, decode
from imagedrive.inference.ocr import OcrResult, read_pages
from imagedrive.ingest.pipeline import TextReader
from imagedrive.ingest.repository import PostgresStoredImages, StoredImage, StoredImages
from imagedrive.log import logger
from imagedrive.progress import ProgressBars, silent
from imagedrive.settings import get_settings
from imagedrive.storage import ObjectRef, ObjectStore


def count_stale(engine: str, model: str, stored: StoredImages | None = None) -> int:
    return (stored or PostgresStoredImages()).count_read_otherwise(engine, model)


def reocr(reader: TextReader, *, chunk_size: int = 64, limit: int | None = None,
          progress: ProgressBars = silent, stored: StoredImages | None = None,
          objects: ObjectStore | None = None) -> Counter[str]:
    stored = stored or PostgresStoredImages()
    objects = objects or storage.s3_objects()
    engine, model = reader.engine, reader.model
    counts: Counter[str] = Counter()
    total = count_stale(engine, model, stored)
    total = min(total, limit) if limit is not None else total
    last_id = 0
    with progress(total, "reocr") as bar:
        while counts.total() < total:
            rows = stored.read_otherwise(engine, model, after_id=last_id, limit=min(chunk_size, total - counts.total()))
            if not rows:
                break
            last_id = rows[-1].id
            texts = [(row, _read(reader, objects, row)) for row in rows]
            stored.write_texts(texts)
            counts.update("failed" if isinstance(result, str) else "read" if result.text else "no_text"
                          for _, result in texts)
            bar.update(len(rows))
            logger.info("reocr chunk", extra={"last_id": last_id, **counts})
    return counts


def _read(reader: TextReader, objects: ObjectStore, row: StoredImage) -> OcrResult | str:
    """The OCR result, or why there is none (a string) when the original is gone or unreadable."""
    try:
        original = objects.read_bytes(ObjectRef.from_uri(row.uri))
        decoded = decode(original, max_pixels=get_settings().max_image_pixels)
        return read_pages(reader, decoded.pages)
    except ImageDecodeError as error:
        return f"{error.code}: {error.message}"
    except storage.ObjectNotFound:  # anything else is transient: the run stops and resumes from its chunks
        return "original_missing: the original is no longer in the bucket"
