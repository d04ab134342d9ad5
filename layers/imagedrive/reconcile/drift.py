"""What the reconciler would find, counted cheaply enough for /health (which browsers poll): one
indexed count, one query for the current index versions, a bounded listing of indexes/, and the
dead-letter queues' depth. Nothing is repaired here."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from imagedrive.reconcile import findings
from imagedrive.reconcile.repository import PostgresReconcileRepository, ReconcileRepository
from imagedrive.settings import Settings
from imagedrive.storage import INDEXES_PREFIX, s3_objects


@dataclass(frozen=True)
class Drift:
    pending_older_than_min: int
    pending_stuck: int  # PENDING rows older than that: their message was lost
    missing_index_files: list[int]  # users whose current index lacks a file
    dead_letters: dict[str, int]  # DLQ name → messages waiting

    @property
    def ok(self) -> bool:
        return not (self.pending_stuck or self.missing_index_files or any(self.dead_letters.values()))

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, **asdict(self)}


def measure(settings: Settings, repository: ReconcileRepository | None = None) -> Drift:
    stuck = (repository or PostgresReconcileRepository()).stuck(settings.reconcile_after_min)
    limit = settings.health_index_keys_max
    listed = {o.key for o in s3_objects().list_objects(settings.derived_bucket, INDEXES_PREFIX, max_keys=limit)}
    missing = findings.unlisted_index_files(stuck.current_indexes, listed, complete=len(listed) < limit)
    dead = findings.dead_letters([settings.ingest_dlq, settings.index_dlq])
    return Drift(settings.reconcile_after_min, stuck.pending_stuck, missing, dead)
