"""Opaque page cursors: the sort key and id of the last row a page showed, base64url-encoded JSON.

The next page starts strictly after that (key, id) pair, so rows inserted meanwhile never shift a
page: every row that existed is returned exactly once.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from imagedrive.errors import BadRequest
from imagedrive.ids import BIGINT_MAX

TIME_SORTS = ("newest", "oldest")


def encode(sort: str, key: Any, image_id: int) -> str:
    value = key.isoformat() if isinstance(key, datetime) else key
    raw = json.dumps([sort, value, image_id], separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, sort: str) -> tuple[Any, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_sort, value, image_id = json.loads(raw)
        if cursor_sort != sort or not _is_int(image_id, minimum=1):
            raise ValueError("cursor of another listing")
        return _key(sort, value), image_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as error:
        raise BadRequest("the cursor is not one this listing issued", code="invalid_cursor") from error


def _key(sort: str, value: Any) -> Any:
    if sort in TIME_SORTS:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("cursor time without zone")
        return moment
    if sort == "size" and _is_int(value, minimum=0):
        return value
    if sort == "name" and isinstance(value, str):
        return value
    raise ValueError("cursor key of the wrong kind")


def _is_int(value: Any, *, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and minimum <= value <= BIGINT_MAX
