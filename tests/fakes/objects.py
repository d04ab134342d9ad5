"""ObjectStore in memory (imagedrive.storage.ObjectStore)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from imagedrive.storage import ListedObject, ObjectNotFound, ObjectRef


class MemoryObjectStore:
    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], tuple[bytes, str, datetime]] = {}

    def _get(self, ref: ObjectRef) -> bytes:
        try:
            return self.objects[(ref.bucket, ref.key)][0]
        except KeyError:
            raise ObjectNotFound(ref.uri) from None

    def read_bytes(self, ref: ObjectRef) -> bytes:
        return self._get(ref)

    def object_size(self, ref: ObjectRef) -> int:
        return len(self._get(ref))

    def object_sha256(self, ref: ObjectRef) -> str:
        return hashlib.sha256(self._get(ref)).hexdigest()

    def list_objects(self, bucket: str, prefix: str, *, max_keys: int | None = None) -> Iterator[ListedObject]:
        keys = sorted(k for b, k in self.objects if b == bucket and k.startswith(prefix))
        for key in keys[:max_keys]:
            body, _, modified = self.objects[(bucket, key)]
            yield ListedObject(key, len(body), modified)

    def write_bytes(self, ref: ObjectRef, body: bytes, content_type: str, **extra: Any) -> None:
        self.objects[(ref.bucket, ref.key)] = (bytes(body), content_type, datetime.now(UTC))

    def copy(self, source: ObjectRef, target: ObjectRef) -> None:
        body, content_type, _ = self.objects.get((source.bucket, source.key)) or (self._get(source), "", None)
        self.objects[(target.bucket, target.key)] = (body, content_type, datetime.now(UTC))

    def delete(self, *refs: ObjectRef) -> None:
        for ref in refs:
            self.objects.pop((ref.bucket, ref.key), None)

    def presigned_get(self, ref: ObjectRef, *, download_name: str | None = None, ttl_s: int | None = None) -> str:
        query = f"?download={quote(download_name)}" if download_name else ""
        return f"memory://{ref.bucket}/{quote(ref.key)}{query}"
