"""An index whose files are gone or damaged never fails a search: that search is served from the
Postgres vectors (brute force, exact), a rebuild is requested, and the rebuilt index serves the next one."""

from __future__ import annotations

import json

import numpy as np
import pytest

from imagedrive.aws import client
from imagedrive.db import transaction
from imagedrive.indexing import versions
from imagedrive.indexing.builder import build_user_index
from imagedrive.indexing.rebuild import rebuild
from imagedrive.indexing.scope import shared_owner
from imagedrive.indexing.store import INDEX_FILE, MANIFEST_FILE
from imagedrive.search.models import TextSearch
from tests.fixtures.cloud import drain
from tests.integration.search.conftest import MODEL, plant, unit_rows


@pytest.fixture
def built(alice, bob, store, cloud):
    """Alice's 300 private and bob's 100 public vectors, alice's index built; the index queue empty."""
    vectors = unit_rows(np.random.default_rng(5), 400)
    ids = plant(alice, vectors[:300]) + plant(bob, vectors[300:], visibility="public")
    result = build_user_index(alice, MODEL, store=store)
    drain(cloud.index_queue)
    return np.array(ids), vectors, result.version


def _search_exactly(engine, embedder, alice, ids, vectors):
    query = vectors[7] * 0.6 + vectors[123] * 0.4
    embedder.texts["query"] = query / np.linalg.norm(query)
    response = engine.text(alice, TextSearch(q="query", k=10))
    best = np.argsort(-(vectors @ embedder.texts["query"]))[:10]
    assert [hit.id for hit in response.results] == ids[best].tolist()
    return response


def _rebuild_requested_for(queue: str) -> list:
    return [json.loads(m["Body"])["users"] for m in drain(queue)]


@pytest.mark.parametrize("damage", ["deleted", "garbage"])
def test_a_lost_or_damaged_index_is_served_from_postgres_and_rebuilt(
        damage, engine, embedder, alice, built, store, cloud):
    ids, vectors, version = built
    key = version.s3_prefix + INDEX_FILE
    if damage == "deleted":
        client("s3").delete_object(Bucket=cloud.derived_bucket, Key=key)
    else:
        client("s3").put_object(Bucket=cloud.derived_bucket, Key=key, Body=b"not a faiss index")

    response = _search_exactly(engine, embedder, alice, ids, vectors)

    assert response.timing.index_version is None, "served from Postgres, not from an index"
    assert _rebuild_requested_for(cloud.index_queue) == [[alice]]
    with transaction() as cur:
        cur.execute("SELECT stale_since FROM user_index_state WHERE user_id = %s", (alice,))
        assert cur.fetchone()["stale_since"] is not None, "marked stale, so the builder does not skip it"

    assert rebuild([alice]) == {alice: None}
    again = _search_exactly(engine, embedder, alice, ids, vectors)
    with transaction() as cur:
        rebuilt = versions.current(cur, alice)
    assert again.timing.index_version == rebuilt.version > version.version


def test_an_unreadable_manifest_is_served_from_postgres_too(engine, embedder, alice, built, cloud):
    ids, vectors, version = built
    client("s3").put_object(Bucket=cloud.derived_bucket, Key=version.s3_prefix + MANIFEST_FILE, Body=b"{")
    assert _search_exactly(engine, embedder, alice, ids, vectors).timing.index_version is None
    assert _rebuild_requested_for(cloud.index_queue) == [[alice]]


def test_a_lost_shared_index_is_served_from_postgres_and_rebuilt(engine, embedder, alice, built, store, cloud):
    ids, vectors, _ = built
    with transaction() as cur:
        shared = shared_owner(cur)
    lost = build_user_index(shared, MODEL, store=store).version
    drain(cloud.index_queue)
    client("s3").delete_object(Bucket=cloud.derived_bucket, Key=lost.s3_prefix + INDEX_FILE)

    response = _search_exactly(engine, embedder, alice, ids, vectors)

    assert response.timing.shared_index_version is None, "served from Postgres"
    assert _rebuild_requested_for(cloud.index_queue) == [[shared]], "the shared index, not alice's"
    assert rebuild([shared]) == {shared: None}
    again = _search_exactly(engine, embedder, alice, ids, vectors)
    assert again.timing.shared_index_version is not None and again.timing.shared_index_version > lost.version
