"""Who owns an incoming object, and how it is shown, decided by where it was put.

uploads/{user_id}/{uuid}/{filename}          → that user, private
drop/{username}/[category/]{filename}        → that user, private, optional category
drop/system/[category/]{filename}            → the system owner, system-visible
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

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


@dataclass(frozen=True)
class Owner:
    id: int
    is_system: bool


class Owners(Protocol):
    """The user look-ups a key needs (IngestRepository provides them)."""

    def upload_owner(self, user_id: int) -> int | None: ...

    def drop_owner(self, username: str) -> Owner | None: ...


def resolve_target(owners: Owners, ref: ObjectRef) -> IngestTarget:
    parts = ref.key.split("/")
    filename = sanitise_filename(parts[-1])
    if ref.key.startswith(UPLOADS_PREFIX) and len(parts) >= 4 and parts[1].isdigit():
        owner_id = owners.upload_owner(int(parts[1]))
        if owner_id is not None:
            return IngestTarget(owner_id, "private", "upload", filename)
    elif ref.key.startswith(DROP_PREFIX) and len(parts) >= 3:
        owner = owners.drop_owner(parts[1])
        if owner is not None:
            category = parts[2] if len(parts) >= 4 else None
            return IngestTarget(owner.id, "system" if owner.is_system else "private", "drop", filename, category)
    raise UnknownOwner(f"no user owns {ref.key!r}")
