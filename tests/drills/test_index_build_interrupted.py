"""Drills: an index build interrupted by a restart of the local AWS, and one whose builder is killed
between upload and publish. Either way the old version keeps serving, no half version is ever
visible (readers go by the pointer in Postgres, switched only after a complete upload), and the
next build succeeds."""

from __future__ import annotations

import multiprocessing

import numpy as np
import pytest

from imagedrive.db import transaction
from imagedrive.indexing import versions
from imagedrive.indexing.builder import build_user_index
from imagedrive.indexing.flat_index import FlatIndex
from imagedrive.indexing.stale import mark_stale
from imagedrive.indexing.store import IndexStore
from imagedrive.search import client as search
from imagedrive.search.models import SimilarSearch
from localcloud import server, stack
from tests.drills.index_build_worker import build_pausing
from tests.fixtures.ingest import make_user
from tests.integration.search.conftest import plant, unit_rows

OLD, ADDED = 30, 10


def _version_status(user_id: int) -> dict[int, str]:
    with transaction() as cur:
        cur.execute("SELECT version, status FROM index_versions WHERE user_id = %s", (user_id,))
        return {row["version"]: row["status"] for row in cur.fetchall()}


def _current(user_id: int):
    with transaction() as cur:
        return versions.current(cur, user_id)


def _served_version(user_id: int, image_id: int) -> int | None:
    answer = search.similar(user_id, SimilarSearch(image_id=image_id, k=50))
    assert answer.results, "search answers"
    return answer.timing.index_version


@pytest.fixture
def indexed_user(drill_env, models, request):
    """A user with version 1 built and current, and then more images, so a rebuild is due."""
    model = models.clip.model_version
    owner = make_user(request.node.name[:60])
    ids = plant(owner, unit_rows(np.random.default_rng(1), OLD), model_version=model)
    assert build_user_index(owner, model).version.version == 1
    plant(owner, unit_rows(np.random.default_rng(2), ADDED), model_version=model)
    with transaction() as cur:
        mark_stale(cur, [owner])
    return owner, ids[0], model


def _start_paused_build(drill_env, owner: int, model: str, when: str):
    context = multiprocessing.get_context("spawn")
    paused, go, results = context.Event(), context.Event(), context.Queue()
    worker = context.Process(target=build_pausing,
                             args=(owner, model, drill_env.derived_bucket, when, paused, go, results))
    worker.start()
    assert paused.wait(60), "the build never reached its pause"
    return worker, go, results


def test_the_local_aws_restarted_during_a_build_leaves_the_old_version_serving(drill_env, indexed_user, tmp_path):
    if drill_env.local_aws != "ministack":
        pytest.skip("LocalStack keeps S3 in memory: the old version's files do not survive its restart")
    owner, probe, model = indexed_user
    worker, go, results = _start_paused_build(drill_env, owner, model, "before_upload")
    server.kill(drill_env)
    go.set()  # the upload now meets a dead endpoint
    outcome = results.get(timeout=90)
    worker.join(30)
    stack.start_cloud(drill_env)

    assert outcome[0] == "error", outcome
    assert _version_status(owner) == {1: "ready", 2: "failed"}
    assert _current(owner).version == 1
    folder = tmp_path / "v1"
    IndexStore(drill_env.derived_bucket).download(_current(owner).s3_prefix, folder)
    assert FlatIndex.read(folder / "index.faiss", folder / "positions.npy").size == OLD, "v1 survived the kill"
    assert _served_version(owner, probe) == 1

    assert build_user_index(owner, model).version.version == 3
    assert (_current(owner).version, _current(owner).count) == (3, OLD + ADDED)
    assert _served_version(owner, probe) == 3


def test_a_builder_killed_between_upload_and_publish_shows_no_half_version(drill_env, indexed_user):
    owner, probe, model = indexed_user
    worker, _go, _results = _start_paused_build(drill_env, owner, model, "after_upload")
    worker.kill()  # SIGKILL: uploaded, never published
    worker.join(30)

    assert _version_status(owner) == {1: "ready", 2: "building"}, "the killed version is not ready"
    assert _current(owner).version == 1
    assert _served_version(owner, probe) == 1

    assert build_user_index(owner, model).version.version == 3
    assert (_current(owner).version, _current(owner).count) == (3, OLD + ADDED)
    assert _served_version(owner, probe) == 3
