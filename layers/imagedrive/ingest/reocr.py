"""`python -m imagedrive reocr`: read again the READY images whose OCR is stale — never read, read
before provenance was recorded, or read by another engine or model than the configured one.

Chunks go in id order and each commits on its own, so an interrupted run resumes where it
stopped; a stale image whose original is gone or undecodable is counted, audited and skipped.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from tqdm import tqdm

from imagedrive import audit, storage
from imagedrive.db import fetch_one, transaction
from imagedrive.imaging import ImageDecodeError, decode
from imagedrive.inference.ocr import OcrResult, read_pages
from imagedrive.ingest import repository
from imagedrive.ingest.pipeline import TextReader
from imagedrive.log import logger
from imagedrive.settings import get_settings
from imagedrive.storage import ObjectRef

_STALE = """FROM images i LEFT JOIN ocr_texts o ON o.image_id = i.id
            WHERE i.status = 'READY' AND (o.image_id IS NULL OR o.engine IS DISTINCT FROM %(engine)s
                                          OR o.model IS DISTINCT FROM %(model)s)"""


def count_stale(engine: str, model: str) -> int:
    with transaction() as cur:
        cur.execute(f"SELECT count(*) AS n {_STALE}", {"engine": engine, "model": model})
        return fetch_one(cur)["n"]


def reocr(reader: TextReader, *, chunk_size: int = 64, limit: int | None = None) -> Counter:
    engine, model = reader.engine, reader.model  # type: ignore[attr-defined]
    counts: Counter = Counter()
    total = count_stale(engine, model)
    total = min(total, limit) if limit is not None else total
    last_id = 0
    with tqdm(total=total, unit="img", desc="reocr", dynamic_ncols=True) as progress:
        while counts.total() < total:
            with transaction() as cur:
                cur.execute(
                    f"SELECT i.id, i.uri, i.owner_id {_STALE} AND i.id > %(after)s ORDER BY i.id LIMIT %(n)s",
                    {"engine": engine, "model": model, "after": last_id, "n": min(chunk_size, total - counts.total())},
                )
                rows = cur.fetchall()
            if not rows:
                break
            last_id = rows[-1]["id"]
            read = [(row, _read(reader, row)) for row in rows]
            with transaction() as cur:
                for row, result in read:
                    if isinstance(result, str):
                        counts["failed"] += 1
                        audit.record(cur, "ocr_failed", user_id=row["owner_id"], target_id=row["id"], reason=result)
                    else:
                        repository.write_ocr(cur, row["id"], result)
                        counts["read" if result.text else "no_text"] += 1
            progress.update(len(rows))
            logger.info("reocr chunk", extra={"last_id": last_id, **counts})
    return counts


def _read(reader: TextReader, row: dict[str, Any]) -> OcrResult | str:
    """The OCR result, or why there is none (a string) when the original is gone or unreadable."""
    try:
        original = storage.s3_objects().read_bytes(ObjectRef.from_uri(row["uri"]))
        decoded = decode(original, max_pixels=get_settings().max_image_pixels)
        return read_pages(reader, decoded.pages)
    except ImageDecodeError as error:
        return f"{error.code}: {error.message}"
    except storage.ObjectNotFound:  # anything else is transient: the run stops and resumes from its chunks
        return "original_missing: the original is no longer in the bucket"
