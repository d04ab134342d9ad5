"""Text, image and similar search over planted vectors: exact rankings, thresholds, freshness, timings."""

from __future__ import annotations

import numpy as np
import pytest

from imagedrive.db import transaction
from imagedrive.errors import NotFound
from imagedrive.indexing import versions
from imagedrive.indexing.builder import build_user_index
from imagedrive.search.models import ImageSearch, SimilarSearch, TextSearch
from tests.integration.search.conftest import MODEL, plant, unit_rows


def _current_version(user_id: int) -> int | None:
    with transaction() as cur:
        current = versions.current(cur, user_id)
    return current.version if current else None


@pytest.fixture
def library(alice, bob, store):
    """5k planted vectors: 4k of alice's (her private index, built), 600 public of bob's (the shared index, built
    by the first search), 400 private of bob's."""
    rng = np.random.default_rng(11)
    vectors = unit_rows(rng, 5000)
    own = plant(alice, vectors[:4000])
    public = plant(bob, vectors[4000:4600], visibility="public")
    plant(bob, vectors[4600:])
    build_user_index(alice, MODEL, store=store)
    visible_ids = np.array(own + public)
    return visible_ids, vectors[:4600], rng


def test_text_top_k_equals_numpy_brute_force_over_the_visible_set(engine, embedder, alice, library):
    ids, vectors, rng = library
    for n, query in enumerate(unit_rows(rng, 5)):
        embedder.texts[f"q{n}"] = query
        response = engine.text(alice, TextSearch(q=f"q{n}", k=50))
        cosines = vectors @ query
        best = np.argsort(-cosines)[:50]
        assert [hit.id for hit in response.results] == ids[best].tolist()
        np.testing.assert_allclose([hit.cosine for hit in response.results], cosines[best], atol=1e-5)
    timing = response.timing
    assert timing.index_version == _current_version(alice) and timing.index_size == 4600
    assert timing.shared_index_version is not None, "bob's public images come from the shared index"
    assert timing.total_ms >= timing.embed_ms + timing.search_ms + timing.hydrate_ms


def test_threshold_search_returns_the_visible_vectors_at_or_above_s_min(engine, embedder, alice, library):
    ids, vectors, rng = library
    query = unit_rows(rng, 1)[0]
    embedder.texts["floor"] = query
    cosines = vectors @ query
    s_min = float(np.sort(cosines)[-30]) - 1e-4  # 30 visible vectors above the floor
    assert np.min(np.abs(cosines - s_min)) > 1e-6

    response = engine.text(alice, TextSearch(q="floor", k=200, s_min=s_min))

    assert {hit.id for hit in response.results} == set(ids[cosines >= s_min].tolist())
    assert len(response.results) == 30 and all(hit.cosine >= s_min for hit in response.results)


def test_image_search_embeds_the_query_picture_and_finds_its_neighbours(engine, embedder, alice, library):
    ids, vectors, _ = library
    embedder.images[b"query picture"] = vectors[123]
    response = engine.image(alice, b"query picture", ImageSearch(k=3))
    assert response.results[0].id == ids[123] and response.results[0].cosine == pytest.approx(1.0, abs=1e-5)


def test_similar_uses_the_stored_vector_and_leaves_the_image_itself_out(engine, alice, library):
    ids, vectors, _ = library
    target = int(ids[42])
    response = engine.similar(alice, SimilarSearch(image_id=target, k=10))
    cosines = vectors @ vectors[42]
    expected = [int(i) for i in ids[np.argsort(-cosines)] if i != target][:10]
    assert [hit.id for hit in response.results] == expected


def test_an_image_ready_after_the_build_is_found_before_the_next_build(engine, embedder, alice, library):
    _, _, rng = library
    query = unit_rows(rng, 1)[0]
    version = _current_version(alice)
    (new_id,) = plant(alice, query[None, :] * 0.999 + 0.001)  # nearly the query itself
    embedder.texts["new"] = query

    response = engine.text(alice, TextSearch(q="new", k=5))

    assert response.results[0].id == new_id
    assert response.timing.index_version == version == _current_version(alice), "no rebuild happened"
    assert response.timing.fresh_size >= 1


def test_a_deleted_image_is_dropped_and_k_results_still_come_back(engine, embedder, alice, library):
    ids, vectors, rng = library
    query = unit_rows(rng, 1)[0]
    embedder.texts["deleted"] = query
    best = ids[np.argsort(-(vectors @ query))[:20]]
    with transaction() as cur:
        cur.execute("DELETE FROM images WHERE id = ANY(%s)", (best[:5].tolist(),))
    response = engine.text(alice, TextSearch(q="deleted", k=15))
    assert [hit.id for hit in response.results] == best[5:].tolist()


def test_a_category_restricts_text_search(engine, embedder, alice, library):
    ids, vectors, rng = library
    with transaction() as cur:
        cur.execute("INSERT INTO categories (name, owner_id) VALUES ('cats', %s) RETURNING id", (alice,))
        category = cur.fetchone()["id"]
        members = ids[::100]
        cur.execute("INSERT INTO image_categories (image_id, category_id, source) SELECT unnest(%s::bigint[]), %s, "
                    "'manual'", (members.tolist(), category))
    query = unit_rows(rng, 1)[0]
    embedder.texts["cats"] = query
    response = engine.text(alice, TextSearch(q="cats", k=5, category=category))
    cosines = vectors[::100] @ query
    assert [hit.id for hit in response.results] == members[np.argsort(-cosines)[:5]].tolist()
    with pytest.raises(NotFound):
        engine.text(alice, TextSearch(q="cats", k=5, category=category + 1000))


def test_a_user_without_an_index_gets_one_built_by_the_first_search(engine, embedder, bob):
    vectors = unit_rows(np.random.default_rng(3), 20)
    ids = plant(bob, vectors)
    embedder.texts["first"] = vectors[4]
    assert _current_version(bob) is None
    response = engine.text(bob, TextSearch(q="first", k=1))
    assert response.results[0].id == ids[4]
    assert response.timing.index_version == _current_version(bob) is not None


def test_each_search_is_recorded_with_its_text_only_for_users_who_opted_in(engine, embedder, alice, bob, library):
    _, _, rng = library
    embedder.texts["secret words"] = unit_rows(rng, 1)[0]
    with transaction() as cur:
        cur.execute("UPDATE users SET store_search_queries = true WHERE id = %s", (bob,))
    engine.text(alice, TextSearch(q="secret words", k=3))
    engine.text(bob, TextSearch(q="secret words", k=3))
    with transaction() as cur:
        cur.execute("SELECT user_id, kind, result_count, query_text, latency_ms FROM search_events ORDER BY id")
        events = cur.fetchall()
    assert [(e["user_id"], e["kind"], e["result_count"], e["query_text"]) for e in events] == [
        (alice, "text", 3, None), (bob, "text", 3, "secret words")]
    assert all(e["latency_ms"] > 0 for e in events)


def test_the_loaded_index_is_reused_until_the_version_changes(engine, embedder, alice, library, store):
    _, _, rng = library
    embedder.texts["warm"] = unit_rows(rng, 1)[0]
    cache = engine.spaces.cache
    engine.text(alice, TextSearch(q="warm", k=3))
    engine.text(alice, TextSearch(q="warm", k=3))
    assert cache.loads == {"memory": 2, "disk": 0, "s3": 2}, "the shared and the private index, each loaded once"
    build_user_index(alice, MODEL, store=store)
    response = engine.text(alice, TextSearch(q="warm", k=3))
    assert cache.loads == {"memory": 3, "disk": 0, "s3": 3}, "only the new private version is loaded"
    assert response.timing.index_version == _current_version(alice)
