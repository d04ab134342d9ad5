"""ReconcileRepository in memory (imagedrive.reconcile.repository.ReconcileRepository)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from imagedrive.indexing.stale import affected_users, union
from imagedrive.indexing.versions import IndexVersion
from imagedrive.reconcile.repository import MISSING_ORIGINAL, DriveRows, ImageRow, MissingOriginals, StuckCounts


@dataclass
class _Image:
    row: ImageRow
    idle_min: int  # minutes since the row last changed
    error: str | None = None


class MemoryReconcileRepository:
    def __init__(self) -> None:
        self.images: dict[int, _Image] = {}
        self.current_indexes: list[IndexVersion] = []
        self.audit: list[tuple[str, int]] = []  # (action, image id)

    # -- set-up and inspection for tests ----------------------------------------------------------------
    def add_image(self, owner_id: int, uri: str, *, status: str = "READY", visibility: str = "private",
                  idle_min: int = 0) -> int:
        image_id = max(self.images, default=0) + 1
        error = "bad input" if status == "FAILED" else None
        self.images[image_id] = _Image(ImageRow(image_id, owner_id, uri, status, visibility), idle_min, error)
        return image_id

    def status(self, image_id: int) -> tuple[str, str | None]:
        image = self.images[image_id]
        return image.row.status, image.error

    # -- ReconcileRepository ----------------------------------------------------------------------------
    def drive_rows(self, bucket: str, pending_after_min: int) -> DriveRows:
        prefix = f"s3://{bucket}/"
        images = sorted(self.images.values(), key=lambda image: image.row.id)
        return DriveRows(
            tuple(i.row for i in images if i.row.uri.startswith(prefix) and i.row.status in ("PENDING", "READY")),
            tuple(i.row for i in images if i.row.status == "PENDING" and i.idle_min > pending_after_min),
            frozenset(i.row.uri for i in images if i.row.uri.startswith(prefix)),
            tuple(self.current_indexes),
        )

    def stuck(self, pending_after_min: int) -> StuckCounts:
        stuck = [i for i in self.images.values() if i.row.status == "PENDING" and i.idle_min > pending_after_min]
        return StuckCounts(len(stuck), tuple(self.current_indexes))

    def mark_missing_original(self, rows: Sequence[ImageRow]) -> MissingOriginals:
        failed = []
        for row in rows:
            image = self.images.get(row.id)
            if image is None or image.row.status not in ("PENDING", "READY"):
                continue
            image.row = replace(image.row, status="FAILED")
            image.error = f"{MISSING_ORIGINAL}: {row.uri} no longer exists"
            self.audit.append((MISSING_ORIGINAL, row.id))
            failed.append(row)
        return MissingOriginals(tuple(failed), union(affected_users(r.owner_id, r.visibility)
                                                     for r in failed if r.status == "READY"))
