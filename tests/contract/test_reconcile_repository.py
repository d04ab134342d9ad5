"""ReconcileRepository: MemoryReconcileRepository (unit tests) behaves as PostgresReconcileRepository
(production) in everything the reconciler and /health's drift rely on."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from imagedrive.reconcile.repository import MISSING_ORIGINAL, PostgresReconcileRepository
from imagedrive.visibility import SHARED_INDEX
from tests.contract.conftest import REAL
from tests.fakes.reconcile_repository import MemoryReconcileRepository

BUCKET = "contract-originals"
AFTER_MIN = 15


@dataclass
class Drive:
    repository: Any
    add_user: Callable[[str], int]
    add_image: Callable[..., int]  # (owner, key, *, status, visibility, idle_min) → image id
    status: Callable[[int], tuple[str, str | None]]
    audited: Callable[[], list[tuple[str, int]]]


def _memory() -> Drive:
    fake = MemoryReconcileRepository()
    users: list[str] = []

    def add_user(name: str) -> int:
        users.append(name)
        return len(users)

    def add_image(owner: int, key: str, *, status: str = "READY", visibility: str = "private",
                  idle_min: int = 0) -> int:
        return fake.add_image(owner, f"s3://{BUCKET}/{key}", status=status, visibility=visibility, idle_min=idle_min)

    return Drive(fake, add_user, add_image, fake.status, lambda: list(fake.audit))


def _postgres() -> Drive:
    from imagedrive.db import fetch_one, transaction
    from tests.fixtures.ingest import make_user

    def add_image(owner: int, key: str, *, status: str = "READY", visibility: str = "private",
                  idle_min: int = 0) -> int:
        with transaction() as cur:
            cur.execute(
                """INSERT INTO images (owner_id, uri, filename, checksum, size, status, visibility, error, source,
                                       ready_at, updated_at)
                   VALUES (%(owner)s, %(uri)s, 'a.png', %(checksum)s, 10, %(status)s, %(visibility)s, %(error)s,
                           'upload', CASE WHEN %(status)s = 'READY' THEN now() END,
                           now() - make_interval(mins => %(idle)s))
                   RETURNING id""",
                {"owner": owner, "uri": f"s3://{BUCKET}/{key}", "checksum": uuid.uuid4().hex * 2, "status": status,
                 "visibility": visibility, "error": "bad input" if status == "FAILED" else None, "idle": idle_min},
            )
            return int(fetch_one(cur)["id"])

    def status(image_id: int) -> tuple[str, str | None]:
        with transaction() as cur:
            cur.execute("SELECT status, error FROM images WHERE id = %s", (image_id,))
            row = fetch_one(cur)
        return row["status"], row["error"]

    def audited() -> list[tuple[str, int]]:
        with transaction() as cur:
            cur.execute("SELECT action, target_id FROM audit_logs WHERE action = %s ORDER BY id", (MISSING_ORIGINAL,))
            return [(row["action"], int(row["target_id"])) for row in cur.fetchall()]

    return Drive(PostgresReconcileRepository(), make_user, add_image, status, audited)


@pytest.fixture(params=["memory", REAL])
def drive(request: pytest.FixtureRequest) -> Drive:
    if request.param == "memory":
        return _memory()
    request.getfixturevalue("clean_db")
    return _postgres()


def test_rows_in_the_bucket_are_pending_and_ready_ones_and_every_uri_is_known(drive):
    alice = drive.add_user("alice")
    ready = drive.add_image(alice, "uploads/1/a/ready.png")
    pending = drive.add_image(alice, "uploads/1/b/pending.png", status="PENDING")
    failed = drive.add_image(alice, "quarantine/uploads/1/c/bad.png", status="FAILED")
    elsewhere = drive.repository.drive_rows("another-bucket", AFTER_MIN)
    rows = drive.repository.drive_rows(BUCKET, AFTER_MIN)
    assert [row.id for row in rows.in_bucket] == [ready, pending], "FAILED rows point at quarantine/, kept"
    assert rows.in_bucket[1].status == "PENDING" and rows.in_bucket[1].owner_id == alice
    assert rows.known_uris == {f"s3://{BUCKET}/{key}" for key in (
        "uploads/1/a/ready.png", "uploads/1/b/pending.png", "quarantine/uploads/1/c/bad.png")}
    assert failed not in [row.id for row in rows.in_bucket]
    assert elsewhere.in_bucket == () and elsewhere.known_uris == frozenset()
    assert rows.current_indexes == (), "no index was ever built"


def test_only_pending_rows_idle_longer_than_the_wait_are_stuck(drive):
    alice = drive.add_user("alice")
    drive.add_image(alice, "uploads/1/a/recent.png", status="PENDING")
    stuck = drive.add_image(alice, "uploads/1/b/lost.png", status="PENDING", idle_min=AFTER_MIN + 45)
    drive.add_image(alice, "uploads/1/c/old-ready.png", idle_min=AFTER_MIN + 45)
    assert [row.id for row in drive.repository.drive_rows(BUCKET, AFTER_MIN).pending] == [stuck]
    assert drive.repository.stuck(AFTER_MIN).pending_stuck == 1


def test_missing_originals_fail_pending_and_ready_rows_only_and_stale_the_ready_ones_users(drive):
    alice, bob = drive.add_user("alice"), drive.add_user("bob")
    ready = drive.add_image(alice, "uploads/1/a/ready.png")
    pending = drive.add_image(bob, "uploads/2/b/pending.png", status="PENDING")
    rows = {row.id: row for row in drive.repository.drive_rows(BUCKET, AFTER_MIN).in_bucket}
    drive.add_image(alice, "quarantine/x.png", status="FAILED")

    changed = drive.repository.mark_missing_original([rows[ready], rows[pending]])
    assert [row.id for row in changed.failed] == [ready, pending]
    assert changed.stale == [alice], "only a READY image was in an index"
    status, error = drive.status(ready)
    assert status == "FAILED" and error.startswith(f"{MISSING_ORIGINAL}: s3://{BUCKET}/uploads/1/a/ready.png")
    assert drive.status(pending)[0] == "FAILED"
    assert drive.audited() == [(MISSING_ORIGINAL, ready), (MISSING_ORIGINAL, pending)]

    again = drive.repository.mark_missing_original([rows[ready], rows[pending]])
    assert again.failed == () and again.stale == [], "a FAILED row is left alone: repeating changes nothing"


def test_a_missing_public_original_stales_the_shared_index(drive):
    alice = drive.add_user("alice")
    public = drive.add_image(alice, "uploads/1/a/public.png", visibility="public")
    (row,) = drive.repository.drive_rows(BUCKET, AFTER_MIN).in_bucket
    assert drive.repository.mark_missing_original([row]).stale == [SHARED_INDEX]
    assert drive.status(public)[0] == "FAILED"
