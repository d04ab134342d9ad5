"""CSV and JSON exports of every image in scope, written to S3 as a multipart upload.

A job snapshots the highest image id when it starts. Each step reads pages of rows (keyset on
the image id) until it has one part's worth (S3's 5 MiB minimum) or the rows run out, uploads
that part and records its place, so memory holds at most one part and no response carries the
file: the caller gets a presigned link. The synchronous routes take steps until a time budget
is spent; after that each poll of the job takes one more step, and shows the progress.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from imagedrive import audit, storage
from imagedrive.analytics import cells, export_jobs
from imagedrive.analytics.models import ExportJob
from imagedrive.auth.models import CurrentUser
from imagedrive.aws import client
from imagedrive.db import transaction
from imagedrive.errors import NotFound
from imagedrive.log import logger
from imagedrive.settings import get_settings
from imagedrive.storage import ObjectRef

CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


def start(user: CurrentUser, export_format: str) -> ExportJob:
    settings = get_settings()
    job_id = str(uuid.uuid4())
    key = storage.export_key(user.id, job_id, export_format)
    upload = client("s3").create_multipart_upload(
        Bucket=settings.derived_bucket, Key=key, ContentType=CONTENT_TYPES[export_format])
    with transaction() as cur:
        max_id, total = export_jobs.snapshot(cur, user.id, user.is_admin)
        job = export_jobs.insert(cur, {
            "id": job_id, "user_id": user.id, "scope": "all" if user.is_admin else "own", "format": export_format,
            "s3_key": key, "upload_id": upload["UploadId"], "max_image_id": max_id, "total_rows": total,
        })
        audit.record(cur, "analytics.export", user_id=user.id, target_id=job_id, format=export_format, rows=total)
    return _out(job)


def export_now(user: CurrentUser, export_format: str) -> ExportJob:
    """Start a job and advance it until it is done or the time budget is spent."""
    deadline = time.monotonic() + get_settings().export_sync_budget_s
    job = start(user, export_format)
    while job.status == "running" and time.monotonic() < deadline:
        job = advance(user, job.id)
    return job


def advance(user: CurrentUser, job_id: str) -> ExportJob:
    """Take one step of a running job and return it; a finished job, or one another request is
    advancing at this moment, is returned as it is."""
    try:
        with transaction() as cur:
            job = export_jobs.find(cur, user.id, job_id, lock=True)
            if job is not None and job["status"] == "running":
                _step(cur, job)
                export_jobs.save_progress(cur, job)
                return _out(job)
    except Exception as error:
        logger.exception("export step failed", extra={"job_id": job_id})
        _fail(user, job_id, error)
        raise
    return get(user, job_id)


def get(user: CurrentUser, job_id: str) -> ExportJob:
    with transaction() as cur:
        job = export_jobs.find(cur, user.id, job_id, lock=False)
    if job is None:
        raise NotFound("no such export")
    return _out(job)


def _step(cur: Any, job: dict[str, Any]) -> None:
    settings = get_settings()
    fresh = job["rows_written"] == 0 and not job["parts"]
    text = _prologue(job["format"]) if fresh else ""
    chunks, size = [text], len(text.encode())
    last_id, rows_written, exhausted = job["last_image_id"], job["rows_written"], False
    while size < settings.export_part_bytes:
        rows = export_jobs.image_rows(cur, job, last_id, settings.export_page_rows)
        if not rows:
            exhausted = True
            break
        text = _rows_text(job["format"], rows, first=rows_written == 0)
        chunks.append(text)
        size += len(text.encode())
        last_id, rows_written = rows[-1]["id"], rows_written + len(rows)
    # A part may only be small if it is the last, so look ahead before closing a full one.
    exhausted = exhausted or not export_jobs.image_rows(cur, job, last_id, 1)
    if exhausted:
        chunks.append(_epilogue(job["format"]))
    body = "".join(chunks).encode()
    s3 = client("s3")
    bucket = get_settings().derived_bucket
    part_number = len(job["parts"]) + 1
    answer = s3.upload_part(Bucket=bucket, Key=job["s3_key"], UploadId=job["upload_id"],
                            PartNumber=part_number, Body=body)
    job["parts"] = [*job["parts"], {"PartNumber": part_number, "ETag": answer["ETag"]}]
    job.update(last_image_id=last_id, rows_written=rows_written, bytes_written=job["bytes_written"] + len(body))
    if exhausted:
        s3.complete_multipart_upload(Bucket=bucket, Key=job["s3_key"], UploadId=job["upload_id"],
                                     MultipartUpload={"Parts": job["parts"]})
        job["status"] = "done"


def _fail(user: CurrentUser, job_id: str, error: Exception) -> None:
    with transaction() as cur:
        job = export_jobs.find(cur, user.id, job_id, lock=True)
        if job is None or job["status"] != "running":
            return
        job.update(status="failed", error=f"{type(error).__name__}: {error}"[:500])
        export_jobs.save_progress(cur, job)
    client("s3").abort_multipart_upload(Bucket=get_settings().derived_bucket, Key=job["s3_key"],
                                        UploadId=job["upload_id"])


def _prologue(export_format: str) -> str:
    return cells.CSV_PROLOGUE + cells.csv_text([], header=True) if export_format == "csv" else "[\n"


def _epilogue(export_format: str) -> str:
    return "" if export_format == "csv" else "\n]\n"


def _rows_text(export_format: str, rows: list[dict[str, Any]], *, first: bool) -> str:
    return cells.csv_text(rows, header=False) if export_format == "csv" else cells.json_text(rows, first=first)


def _out(job: dict[str, Any]) -> ExportJob:
    url = None
    if job["status"] == "done":
        name = f"imagedrive-export-{job['created_at']:%Y%m%d-%H%M%S}.{job['format']}"
        export = ObjectRef(get_settings().derived_bucket, job["s3_key"])
        url = storage.s3_objects().presigned_get(export, download_name=name)
    total = job["total_rows"]
    return ExportJob(
        id=str(job["id"]), format=job["format"], scope=job["scope"], status=job["status"],
        rows_written=job["rows_written"], total_rows=total,
        progress=1.0 if job["status"] == "done" else (min(1.0, job["rows_written"] / total) if total else 0.0),
        bytes_written=job["bytes_written"], download_url=url, error=job["error"], created_at=job["created_at"],
        finished_at=job["finished_at"],
    )
