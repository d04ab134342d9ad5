"""`python -m imagedrive reocr`: read again the READY images whose OCR is stale — never read, read
before provenance was recorded, or read by another engine or model than the configured one.

Chunks go in id order and each commits on its own, so an interrupted run resumes where it
stopped; a stale image whose original is gone or undecodable is counted, audited and skipped.
"""

from __future__ import annotations

from collections import Counter

from imagedrive import audit, storage
from imagedrive.db import transaction
from imagedrive.imaging import ImageDecodeError, decode
from imagedrive.inference.ocr import OcrResult, read_pages
from imagedrive.ingest import repository
from imagedrive.ingest.pipeline import TextReader
from imagedrive.log import logger
from imagedrive.progress import ProgressBars, silent
from imagedrive.settings import get_settings
from imagedrive.storage import ObjectRef


def count_stale(engine: str, model: str) -> int:
    with transaction() as cur:
        return repository.count_read_otherwise(cur, engine, model)


def reocr(reader: TextReader, *, chunk_size: int = 64, limit: int | None = None,
          progress: ProgressBars = silent) -> Counter[str]:
    engine, model = reader.engine, reader.model  # type: ignore[attr-defined]
    counts: Counter[str] = Counter()
    total = count_stale(engine, model)
    total = min(total, limit) if limit is not None else total
    last_id = 0
    with progress(total, "reocr") as bar:
        while counts.total() < total:
            with transaction() as cur:
                rows = repository.read_otherwise(cur, engine, model, after_id=last_id,
                                                 limit=min(chunk_size, total - counts.total()))
            if not rows:
                break
            last_id = rows[-1].id
            read = [(row, _read(reader, row)) for row in rows]
            with transaction() as cur:
                for row, result in read:
                    if isinstance(result, str):
                        counts["failed"] += 1
                        audit.record(cur, "ocr_failed", user_id=row.owner_id, target_id=row.id, reason=result)
                    else:
                        repository.write_ocr(cur, row.id, result)
                        counts["read" if result.text else "no_text"] += 1
            bar.update(len(rows))
            logger.info("reocr chunk", extra={"last_id": last_id, **counts})
    return counts


def _read(reader: TextReader, row: repository.StoredImage) -> OcrResult | str:
    """The OCR result, or why there is none (a string) when the original is gone or unreadable."""
    try:
        original = storage.s3_objects().read_bytes(ObjectRef.from_uri(row.uri))
        decoded = decode(original, max_pixels=get_settings().max_image_pixels)
        return read_pages(reader, decoded.pages)
    except ImageDecodeError as error:
        return f"{error.code}: {error.message}"
    except storage.ObjectNotFound:  # anything else is transient: the run stops and resumes from its chunks
        return "original_missing: the original is no longer in the bucket"
