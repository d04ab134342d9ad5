"""Drill: 20 uploads through S3 → notification → ingest queue → event runner → ingest, the local AWS
`kill -9`ed while they are being ingested, started again: every image READY exactly once, every
original and thumbnail downloadable, search answers.

A `kill -9` loses the queues' messages sent since the emulator's last clean stop (see README,
"Local cloud"), so after the restart the reconciler (`python -m imagedrive reconcile`) re-enqueues
PENDING rows and ingests objects that have no row."""

from __future__ import annotations

import subprocess
import sys

import pytest

from imagedrive import storage
from imagedrive.db import transaction
from imagedrive.search import client as search
from imagedrive.search.models import TextSearch
from imagedrive.storage import ObjectRef
from localcloud import server, stack
from localcloud.paths import REPO_ROOT
from tests.drills.conftest import log_tail, status_counts, wait_for
from tests.fixtures import images
from tests.fixtures.ingest import make_user, put

UPLOADS = 20


def _reconcile_available() -> bool:
    probe = subprocess.run([sys.executable, "-m", "imagedrive", "reconcile", "--help"], cwd=REPO_ROOT,
                           env=stack.child_env(), capture_output=True)
    return probe.returncode == 0


def test_twenty_uploads_survive_a_kill_9_of_the_local_aws_during_ingestion(drill_env, runner):
    if drill_env.local_aws != "ministack":
        pytest.skip("LocalStack keeps S3 in memory: nothing survives its restart (README, Local cloud)")
    if not _reconcile_available():
        pytest.skip("waits for the reconciler, `python -m imagedrive reconcile` (issue 12, item 2)")
    owner = make_user("drill-kill9")
    for n in range(UPLOADS):
        put(f"uploads/{owner}/drill/photo-{n}.jpg", images.picture(9000 + n), "image/jpeg")

    wait_for(lambda: status_counts(owner).get("READY", 0) >= 1, 60, "the first image to be READY")
    server.kill(drill_env)
    ready_at_kill = status_counts(owner).get("READY", 0)
    assert ready_at_kill < UPLOADS, "killed too late: ingestion had already finished"

    stack.start_cloud(drill_env)  # start + bootstrap, as `./dev up` does after every start
    # As `./dev up` does right after a start: every PENDING row counts, however young (its message may be lost).
    reconcile = subprocess.run([sys.executable, "-m", "imagedrive", "reconcile", "--after-min", "0"], cwd=REPO_ROOT,
                               env=stack.child_env(), capture_output=True, text=True, timeout=120)
    assert reconcile.returncode == 0, reconcile.stdout[-2000:] + reconcile.stderr[-2000:]
    wait_for(lambda: status_counts(owner) == {"READY": UPLOADS}, 90,
             f"all {UPLOADS} READY (ready at the kill: {ready_at_kill})\n{log_tail(drill_env)}")

    with transaction() as cur:
        cur.execute("SELECT uri, thumbnail_key, checksum FROM images WHERE owner_id = %s", (owner,))
        rows = cur.fetchall()
    assert len(rows) == UPLOADS and len({row["checksum"] for row in rows}) == UPLOADS, "exactly once"
    for row in rows:
        assert storage.s3_objects().read_bytes(ObjectRef.from_uri(row["uri"]))[:2] == b"\xff\xd8", row["uri"]
        thumbnail = storage.s3_objects().read_bytes(ObjectRef(drill_env.derived_bucket, row["thumbnail_key"]))
        assert len(thumbnail) > 100, row["thumbnail_key"]

    answer = search.text(owner, TextSearch(q="a photo", k=50))
    assert len(answer.results) == UPLOADS
