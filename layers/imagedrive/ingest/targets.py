"""Who owns an incoming object, and how it is shown, decided by where it was put.

uploads/{user_id}/{uuid}/{filename}          → that user, private
drop/{username}/[category/]{filename}        → that user, private, optional category
drop/system/[category/]{filename}            → the system owner, system-visible
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from imagedrive.storage import DROP_PREFIX, UPLOADS_PREFIX, ObjectRef, sanitise_filename

SYSTEM_OWNER = "system"


class UnknownOwner(ValueError):
    """The key names no user, or lies outside the ingest prefixes."""


@dataclass(frozen=True)
class IngestTarget:
    owner_id: int
    visibility: str
    source: str  # upload | drop | import
    filename: str
    category: str | None = None  # a category named by the drop folder


def resolve_target(cur: Any, ref: ObjectRef) -> IngestTarget:
    parts = ref.key.split("/")
    filename = sanitise_filename(parts[-1])
    if ref.key.startswith(UPLOADS_PREFIX) and len(parts) >= 4 and parts[1].isdigit():
        cur.execute("SELECT id FROM users WHERE id = %s AND role <> 'system'", (int(parts[1]),))
        row = cur.fetchone()
        if row:
            return IngestTarget(row["id"], "private", "upload", filename)
    elif ref.key.startswith(DROP_PREFIX) and len(parts) >= 3:
        cur.execute("SELECT id, role FROM users WHERE lower(username) = lower(%s)", (parts[1],))
        row = cur.fetchone()
        if row:
            category = parts[2] if len(parts) >= 4 else None
            visibility = "system" if row["role"] == "system" else "private"
            return IngestTarget(row["id"], visibility, "drop", filename, category)
    raise UnknownOwner(f"no user owns {ref.key!r}")
