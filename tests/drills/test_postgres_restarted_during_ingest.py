"""Drill: Postgres stopped and started again while 100 uploads are being ingested through the real
path (S3 → notification → queue → event runner → ingest): every image READY exactly once. Messages
that fail while the database is down come back after the visibility timeout and succeed."""

from __future__ import annotations

import time

from imagedrive import db
from imagedrive.aws import client, queue_url
from imagedrive.db import transaction
from localcloud import postgres
from tests.drills.conftest import log_tail, status_counts, wait_for
from tests.fixtures import images
from tests.fixtures.ingest import make_user, put

OWN_POSTGRES = True  # the drill stops its database server: never the shared one
UPLOADS = 100


def test_a_hundred_uploads_survive_a_postgres_restart_during_ingestion(drill_env, runner):
    owner = make_user("drill-postgres")
    for n in range(UPLOADS):
        put(f"uploads/{owner}/drill/photo-{n}.jpg", images.picture(7000 + n, size=(320, 240)), "image/jpeg")

    wait_for(lambda: status_counts(owner).get("READY", 0) >= 10, 90, "the first ten images to be READY")
    cluster = postgres.cluster_from_settings(drill_env)
    postgres.stop(cluster)
    time.sleep(3)  # long enough for the runner to fail batches against the stopped server
    postgres.start(cluster)
    db.reset_connection()
    ready_at_restart = status_counts(owner).get("READY", 0)
    assert ready_at_restart < UPLOADS, "restarted too late: ingestion had already finished"

    wait_for(lambda: status_counts(owner) == {"READY": UPLOADS}, 100,
             f"all {UPLOADS} READY (ready at the restart: {ready_at_restart})\n{log_tail(drill_env)}")
    with transaction() as cur:
        cur.execute("SELECT count(DISTINCT checksum) AS distinct_images, count(*) AS n FROM images "
                    "WHERE owner_id = %s", (owner,))
        assert dict(cur.fetchone()) == {"distinct_images": UPLOADS, "n": UPLOADS}, "exactly once"
    dead = client("sqs").get_queue_attributes(
        QueueUrl=queue_url(drill_env.ingest_dlq), AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    assert dead["ApproximateNumberOfMessages"] == "0"
