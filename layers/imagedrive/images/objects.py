"""Deleting many S3 objects in as few calls as S3 allows (1000 keys a request)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from imagedrive.aws import client
from imagedrive.storage import ObjectRef

_BATCH = 1000


def delete_objects(refs: Iterable[ObjectRef]) -> None:
    by_bucket: dict[str, list[str]] = defaultdict(list)
    for ref in refs:
        by_bucket[ref.bucket].append(ref.key)
    s3 = client("s3")
    for bucket, keys in by_bucket.items():
        for start in range(0, len(keys), _BATCH):
            batch = [{"Key": key} for key in keys[start:start + _BATCH]]
            answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
            if answer.get("Errors"):
                raise RuntimeError(f"S3 refused to delete {len(answer['Errors'])} objects: {answer['Errors'][:3]}")
