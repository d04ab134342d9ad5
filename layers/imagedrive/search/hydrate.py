"""Links for search hits: a hit's thumbnail as a presigned URL (the visibility check is
repository.visible_rows)."""

from __future__ import annotations

from typing import Any

from imagedrive import storage
from imagedrive.settings import get_settings
from imagedrive.storage import ObjectRef


def thumbnail_url(row: dict[str, Any]) -> str | None:
    if not row["thumbnail_key"]:
        return None
    return storage.s3_objects().presigned_get(ObjectRef(get_settings().derived_bucket, row["thumbnail_key"]))
