"""Where things live in S3 (every key scheme is defined here and nowhere else), and the object store
port the services take: `ObjectStore`, with `S3ObjectStore` as the adapter (tests/fakes has the in-memory
one; tests/contract keeps the two in step).

originals bucket: uploads/{user_id}/{uuid}/{filename}   browser uploads (presigned POST)
                  drop/{username|system}/[category/]…   the drop folder
                  imports/{…}                           bulk import copies (no S3 event: the importer ingests)
                  quarantine/{original key}             invalid files, kept for inspection
                  queries/{user_id}/{uuid}/{filename}   image-search query pictures, deleted once read
derived bucket:   thumbnails/{owner_id}/{image_id}.jpg
                  indexes/{user_id}/{version}/…         FAISS index, positions, manifest
                  exports/{user_id}/{job_id}.{csv|json}
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Protocol
from urllib.parse import quote, unquote_plus

from botocore.exceptions import ClientError

from imagedrive.aws import client
from imagedrive.settings import get_settings
from imagedrive.telemetry import tracer

UPLOADS_PREFIX = "uploads/"
DROP_PREFIX = "drop/"
QUARANTINE_PREFIX = "quarantine/"
QUERIES_PREFIX = "queries/"
IMPORTS_PREFIX = "imports/"  # not an ingest prefix: S3 sends no event, the importer ingests itself
THUMBNAILS_PREFIX = "thumbnails/"
INDEXES_PREFIX = "indexes/"
EXPORTS_PREFIX = "exports/"
_DELETE_BATCH = 1000  # keys S3 deletes in one request
# Folder separators and control characters; everything else (spaces, %, +, unicode) is a fine key.
_UNSAFE = re.compile(r"[/\\\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class ObjectRef:
    bucket: str
    key: str

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    @classmethod
    def from_uri(cls, uri: str) -> ObjectRef:
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        return cls(bucket, key)

    @classmethod
    def from_event_key(cls, bucket: str, raw_key: str) -> ObjectRef:
        """S3 event notifications URL-encode keys (space as '+')."""
        return cls(bucket, unquote_plus(raw_key))


def sanitise_filename(filename: str, *, max_length: int = 120) -> str:
    """A display- and key-safe file name: no folders, no control characters, unicode kept."""
    name = unicodedata.normalize("NFC", filename).replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" .")
    if len(name) > max_length:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: max_length - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else name[:max_length]
    return name or "image"


def upload_key(user_id: int, filename: str) -> str:
    return f"{UPLOADS_PREFIX}{user_id}/{uuid.uuid4()}/{sanitise_filename(filename)}"


def query_key(user_id: int, filename: str) -> str:
    return f"{QUERIES_PREFIX}{user_id}/{uuid.uuid4()}/{sanitise_filename(filename)}"


def is_own_query_key(user_id: int, key: str) -> bool:
    return key.startswith(f"{QUERIES_PREFIX}{user_id}/") and ".." not in key


def thumbnail_key(owner_id: int, image_id: int) -> str:
    """Computed once at ingestion and stored in images.thumbnail_key; display and deletion read the column."""
    return f"{THUMBNAILS_PREFIX}{owner_id}/{image_id}.jpg"


def thumbnail_ref(owner_id: int, image_id: int) -> ObjectRef:
    return ObjectRef(get_settings().derived_bucket, thumbnail_key(owner_id, image_id))


def index_prefix(user_id: int, version: int) -> str:
    return f"{INDEXES_PREFIX}{user_id}/{version}/"


def import_key(owner_id: int, checksum: str, filename: str) -> str:
    return f"{IMPORTS_PREFIX}{owner_id}/{checksum}/{filename}"


def export_key(user_id: int, job_id: str, export_format: str) -> str:
    return f"{EXPORTS_PREFIX}{user_id}/{job_id}.{export_format}"


def quarantine_ref(original: ObjectRef) -> ObjectRef:
    return ObjectRef(original.bucket, QUARANTINE_PREFIX + original.key)


@dataclass(frozen=True)
class ListedObject:
    key: str
    size: int
    last_modified: datetime


class ObjectNotFound(LookupError):
    """The object does not exist (S3's 404 / NoSuchKey), as every adapter reports it."""


class ObjectStore(Protocol):
    """What the services need from S3. Missing objects raise ObjectNotFound."""

    def read_bytes(self, ref: ObjectRef) -> bytes: ...

    def object_size(self, ref: ObjectRef) -> int: ...

    def object_sha256(self, ref: ObjectRef) -> str: ...

    def list_objects(self, bucket: str, prefix: str, *, max_keys: int | None = None) -> Iterator[ListedObject]: ...

    def write_bytes(self, ref: ObjectRef, body: bytes, content_type: str, **extra: Any) -> None: ...

    def copy(self, source: ObjectRef, target: ObjectRef) -> None: ...

    def delete(self, *refs: ObjectRef) -> None: ...

    def presigned_get(self, ref: ObjectRef, *, download_name: str | None = None, ttl_s: int | None = None) -> str: ...


def is_missing(error: ClientError) -> bool:
    """S3's several ways of saying "no such object" (GET: NoSuchKey, HEAD: 404)."""
    return error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")


@contextmanager
def _not_found_as_lookup(ref: ObjectRef) -> Iterator[None]:
    try:
        yield
    except ClientError as error:
        if is_missing(error):
            raise ObjectNotFound(ref.uri) from error
        raise


class S3ObjectStore:
    """The ObjectStore on S3 (or the local AWS)."""

    @tracer.capture_method
    def read_bytes(self, ref: ObjectRef) -> bytes:
        with _not_found_as_lookup(ref):
            body: bytes = client("s3").get_object(Bucket=ref.bucket, Key=ref.key)["Body"].read()
            return body

    @tracer.capture_method
    def object_size(self, ref: ObjectRef) -> int:
        with _not_found_as_lookup(ref):
            return int(client("s3").head_object(Bucket=ref.bucket, Key=ref.key)["ContentLength"])

    @tracer.capture_method
    def object_sha256(self, ref: ObjectRef, chunk_bytes: int = 1 << 20) -> str:
        """The checksum of an object too large to hold in memory, streamed."""
        digest = hashlib.sha256()
        with _not_found_as_lookup(ref):
            body = client("s3").get_object(Bucket=ref.bucket, Key=ref.key)["Body"]
        for chunk in iter(lambda: body.read(chunk_bytes), b""):
            digest.update(chunk)
        return digest.hexdigest()

    def list_objects(self, bucket: str, prefix: str, *, max_keys: int | None = None) -> Iterator[ListedObject]:
        """Every object under `prefix` in key order (at most `max_keys`), a page of 1000 per request."""
        pages = client("s3").get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=prefix, PaginationConfig={"MaxItems": max_keys} if max_keys else {},
        )
        for page in pages:
            for item in page.get("Contents", []):
                yield ListedObject(item["Key"], item["Size"], item["LastModified"])

    @tracer.capture_method
    def write_bytes(self, ref: ObjectRef, body: bytes, content_type: str, **extra: Any) -> None:
        client("s3").put_object(Bucket=ref.bucket, Key=ref.key, Body=body, ContentType=content_type, **extra)

    @tracer.capture_method
    def copy(self, source: ObjectRef, target: ObjectRef) -> None:
        source_spec = {"Bucket": source.bucket, "Key": source.key}
        with _not_found_as_lookup(source):
            client("s3").copy_object(Bucket=target.bucket, Key=target.key, CopySource=source_spec)

    @tracer.capture_method
    def delete(self, *refs: ObjectRef) -> None:
        """Deleting what is already gone is not an error (S3 semantics). As few calls as S3 allows:
        one per bucket and 1000 keys."""
        by_bucket: dict[str, list[str]] = defaultdict(list)
        for ref in refs:
            by_bucket[ref.bucket].append(ref.key)
        for bucket, keys in by_bucket.items():
            for start in range(0, len(keys), _DELETE_BATCH):
                batch = [{"Key": key} for key in keys[start:start + _DELETE_BATCH]]
                answer = client("s3").delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
                if answer.get("Errors"):
                    raise RuntimeError(f"S3 refused to delete {len(answer['Errors'])} objects: {answer['Errors'][:3]}")

    @tracer.capture_method
    def presigned_get(self, ref: ObjectRef, *, download_name: str | None = None, ttl_s: int | None = None) -> str:
        params: dict[str, Any] = {"Bucket": ref.bucket, "Key": ref.key}
        if download_name:
            params["ResponseContentDisposition"] = content_disposition(download_name)
        return str(client("s3").generate_presigned_url(
            "get_object", Params=params, ExpiresIn=ttl_s or get_settings().presign_ttl_s
        ))


@cache
def s3_objects() -> S3ObjectStore:
    """The process's S3 adapter, for composition roots (handlers, CLI) and services not given a store."""
    return S3ObjectStore()


def content_disposition(filename: str) -> str:
    """RFC 6266: an ASCII fallback plus the UTF-8 name, so unicode file names survive downloads."""
    fallback = filename.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
