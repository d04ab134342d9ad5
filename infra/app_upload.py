"""Publishes the built web app (web/dist) to its bucket behind CloudFront (`./dev deploy`).

Vite names everything under assets/ by its content hash, so those objects never change and are cached
for a year; index.html (and any other unhashed file) must be revalidated on every load, or a browser keeps
an app whose chunks are gone. Assets go up first and index.html last, so no index ever names a missing chunk.
"""

from __future__ import annotations

import mimetypes
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HASHED_PREFIX = "assets/"
IMMUTABLE = "public,max-age=31536000,immutable"
REVALIDATE = "no-cache"
# Types Python's table may lack or name differently from what browsers expect.
CONTENT_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml",
                 ".woff2": "font/woff2", ".webmanifest": "application/manifest+json", ".map": "application/json"}


@dataclass(frozen=True)
class Published:
    uploaded: list[str]
    deleted: list[str]


def content_type(key: str) -> str:
    suffix = Path(key).suffix.lower()
    known = CONTENT_TYPES.get(suffix) or mimetypes.guess_type(key)[0] or "application/octet-stream"
    return f"{known}; charset=utf-8" if known.startswith("text/") or known == "application/json" else known


def cache_control(key: str) -> str:
    return IMMUTABLE if key.startswith(HASHED_PREFIX) else REVALIDATE


def _dist_files(dist: Path) -> dict[str, Path]:
    """Key -> file; dotfiles (the local build's stamp) stay behind."""
    if not (dist / "index.html").is_file():
        raise FileNotFoundError(f"{dist} has no index.html: build the web app first")
    files = {p.relative_to(dist).as_posix(): p for p in sorted(dist.rglob("*")) if p.is_file()}
    return {key: path for key, path in files.items() if not any(part.startswith(".") for part in key.split("/"))}


def publish_app(s3: Any, bucket: str, dist: Path) -> Published:
    """Uploads every file of `dist` with its type and caching, index.html last, then deletes objects the
    new build no longer has."""
    files = _dist_files(dist)
    order = sorted(files, key=lambda key: (key == "index.html", key))
    for key in order:
        s3.upload_file(str(files[key]), bucket, key,
                       ExtraArgs={"ContentType": content_type(key), "CacheControl": cache_control(key)})
    stale = [obj["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
             for obj in page.get("Contents", []) if obj["Key"] not in files]
    for start in range(0, len(stale), 1000):  # DeleteObjects takes at most 1000 keys
        batch = stale[start:start + 1000]
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True})
    return Published(uploaded=order, deleted=stale)


def invalidate_entry(cloudfront: Any, distribution_id: str) -> str:
    """Drops CloudFront's copies of the app's entry (hashed assets never need it); returns the invalidation id."""
    answer = cloudfront.create_invalidation(DistributionId=distribution_id, InvalidationBatch={
        "Paths": {"Quantity": 2, "Items": ["/index.html", "/"]},
        "CallerReference": f"imagedrive-app-{time.time_ns()}",
    })
    return answer["Invalidation"]["Id"]
