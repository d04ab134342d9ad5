"""The index builder behind the real index queue (local event runner), and the query function over
images freshly ingested with the random-init models."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from imagedrive.aws import client, queue_url
from imagedrive.db import transaction
from imagedrive.errors import NotFound
from imagedrive.indexing import versions
from imagedrive.indexing.scope import shared_owner
from imagedrive.indexing.stale import SHARED_INDEX, mark_stale, request_rebuild
from imagedrive.ingest.pipeline import IngestItem, Status
from imagedrive.search import client as search_client
from imagedrive.search.models import SimilarSearch, TextSearch
from localcloud.paths import REPO_ROOT
from localcloud.runner import EventRunner, LambdaContext, Route, load_handler
from tests.fixtures import images
from tests.fixtures.cloud import drain
from tests.fixtures.ingest import make_user, put
from tests.integration.search.conftest import MODEL, plant, unit_rows


def _current(user_id: int):
    with transaction() as cur:
        return versions.current(cur, user_id)


def _stale_since(user_id: int):
    with transaction() as cur:
        cur.execute("SELECT stale_since FROM user_index_state WHERE user_id = %s", (user_id,))
        return cur.fetchone()["stale_since"]


@pytest.fixture
def builder_runner(cloud, clean_db):
    drain(cloud.index_queue)
    handler = load_handler(REPO_ROOT / "functions" / "index_builder" / "app.py")
    return EventRunner([Route(cloud.index_queue, "index_builder", handler)], cloud)


def _deliver(runner: EventRunner, count: int, attempts: int = 20):
    delivered = []
    for _ in range(attempts):
        outcome = runner.poll_once(runner.routes[0])
        delivered.append(outcome)
        if sum(o.received for o in delivered) >= count:
            break
    return delivered


def test_an_index_queue_message_builds_the_named_indexes(builder_runner, cloud):
    alice, bob = make_user("alice"), make_user("bob")
    plant(alice, unit_rows(np.random.default_rng(1), 12))
    plant(bob, unit_rows(np.random.default_rng(2), 3), visibility="public")
    with transaction() as cur:
        mark_stale(cur, "*")
        shared = shared_owner(cur)
    request_rebuild([alice])
    request_rebuild("*")

    outcomes = _deliver(builder_runner, 2)

    assert sum(o.deleted for o in outcomes) == 2 and sum(o.failed for o in outcomes) == 0
    # bob's public images are in the one shared index; each private index holds its owner's other images
    assert (_current(alice).count, _current(bob).count, _current(shared).count) == (12, 0, 3)
    assert _stale_since(alice) is None and _stale_since(bob) is None and _stale_since(shared) is None
    assert drain(cloud.index_queue, quiet_s=0.5) == []


def test_a_public_change_rebuilds_only_the_shared_index(builder_runner, cloud):
    alice, bob = make_user("alice"), make_user("bob")
    plant(alice, unit_rows(np.random.default_rng(4), 5))
    request_rebuild("*")
    _deliver(builder_runner, 1)
    with transaction() as cur:
        shared = shared_owner(cur)
    before = {user: _current(user).version for user in (alice, bob, shared)}
    plant(bob, unit_rows(np.random.default_rng(5), 2), visibility="public")
    with transaction() as cur:
        mark_stale(cur, [SHARED_INDEX])
    request_rebuild([SHARED_INDEX])

    (outcome,) = _deliver(builder_runner, 1)

    assert outcome.deleted == 1 and outcome.failed == 0
    after = {user: _current(user).version for user in (alice, bob, shared)}
    assert after[alice] == before[alice] and after[bob] == before[bob], "no user's private index was rebuilt"
    assert after[shared] > before[shared] and _current(shared).count == 2


def test_a_message_that_is_not_a_rebuild_request_fails_alone(builder_runner, cloud):
    alice = make_user("alice")
    plant(alice, unit_rows(np.random.default_rng(3), 4))
    sqs = client("sqs")
    sqs.send_message(QueueUrl=queue_url(cloud.index_queue), MessageBody="rebuild everything please")
    request_rebuild([alice])

    outcomes = _deliver(builder_runner, 2)

    assert sum(o.failed for o in outcomes) == 1 and sum(o.deleted for o in outcomes) == 1
    assert _current(alice).count == 4
    drain(cloud.index_queue)


def test_the_builder_can_be_called_on_demand(clean_db, cloud):
    alice = make_user("alice")
    plant(alice, unit_rows(np.random.default_rng(4), 6))
    handler = load_handler(REPO_ROOT / "functions" / "index_builder" / "app.py")
    context = LambdaContext("index_builder", 60)
    assert handler({"users": [alice], "force": True}, context) == {"built": [alice], "failed": []}
    assert handler({"users": [alice]}, context) == {"built": [], "failed": []}, "fresh: nothing to do"
    assert _current(alice).model_version == MODEL


@pytest.fixture
def ingested(ingestor):
    """A few pictures and a text page of alice's, through the real ingestion path."""
    alice = make_user("alice")
    data = {f"photo{n}.jpg": images.picture(400 + n) for n in range(4)}
    data["page.png"] = images.text_page("PLATE RE16 XYZ")
    outcomes = ingestor.ingest([IngestItem(put(f"uploads/{alice}/s/{name}", body)) for name, body in data.items()])
    assert [o.status for o in outcomes] == [Status.READY] * len(data)
    return alice, {name: o.image_id for name, o in zip(data, outcomes, strict=True)}, data


@pytest.fixture
def query_handler(models):
    handler = load_handler(REPO_ROOT / "functions" / "query" / "app.py")
    return lambda event: handler(event, LambdaContext("query", 30))


def test_the_query_function_answers_text_image_similar_and_ocr(query_handler, ingested):
    alice, ids, data = ingested

    text = query_handler({"kind": "text", "user_id": alice, "request": {"q": "a photo", "k": 10}})
    assert text["ok"], text
    assert {hit["id"] for hit in text["result"]["results"]} == set(ids.values())
    assert all(hit["thumbnail_url"] and hit["filename"] for hit in text["result"]["results"])
    assert set(text["result"]["timing"]) >= {"embed_ms", "search_ms", "hydrate_ms", "total_ms", "index_version",
                                             "index_size"}

    picture = base64.b64encode(data["photo2.jpg"]).decode()
    image = query_handler({"kind": "image", "user_id": alice, "request": {"k": 1}, "image_b64": picture})
    assert image["result"]["results"][0]["id"] == ids["photo2.jpg"]
    assert image["result"]["results"][0]["cosine"] == pytest.approx(1.0, abs=1e-3)

    similar = query_handler({"kind": "similar", "user_id": alice, "request": {"image_id": ids["photo1.jpg"]}})
    assert ids["photo1.jpg"] not in {hit["id"] for hit in similar["result"]["results"]}
    assert len(similar["result"]["results"]) == len(ids) - 1

    with transaction() as cur:
        cur.execute("SELECT text FROM ocr_texts WHERE image_id = %s", (ids["page.png"],))
        row = cur.fetchone()
    if row is not None:  # random-init OCR reads *something*; whatever it read is findable
        word = max(row["text"].split(), key=len)
        ocr = query_handler({"kind": "ocr", "user_id": alice, "request": {"q": word}})
        assert ids["page.png"] in {hit["id"] for hit in ocr["result"]["results"]}


def test_refusals_travel_as_data_and_the_client_raises_them(query_handler, ingested):
    alice, ids, _ = ingested
    bob = make_user("bob")
    reply = query_handler({"kind": "similar", "user_id": bob, "request": {"image_id": ids["photo0.jpg"]}})
    assert reply == {"ok": False, "error": {"type": "NotFound", "code": "not_found", "message": "no such image",
                                            "details": None}}
    bad = query_handler({"kind": "text", "user_id": alice, "request": {"q": "x", "k": 500}})
    assert bad["error"]["type"] == "InvalidInput" and json.dumps(bad)
    with pytest.raises(NotFound):
        search_client.similar(bob, SimilarSearch(image_id=ids["photo0.jpg"]))
    assert len(search_client.text(alice, TextSearch(q="photo", k=3)).results) == 3
