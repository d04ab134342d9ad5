"""Search over HTTP against `chalice local`, on a freshly ingested sample library: text, image, OCR,
hybrid, similar and duplicates answer with results and timings; nobody else's private image leaks."""

from __future__ import annotations

import base64

import pytest
import requests

from imagedrive.db import transaction
from imagedrive.ingest.pipeline import IngestItem, Status
from imagedrive.ingest.targets import IngestTarget
from sample_data.generate import generate
from tests.fixtures.ingest import put
from tests.integration.api.conftest import PASSWORD

TIMING_FIELDS = {"embed_ms", "search_ms", "hydrate_ms", "total_ms", "index_version", "index_size"}


@pytest.fixture
def library(ingestor, tmp_path):
    """The sample library (one image per category) ingested as system images."""
    with transaction() as cur:
        cur.execute("SELECT id FROM users WHERE role = 'system'")
        system_id = cur.fetchone()["id"]
    items, pictures = [], {}
    for path in generate(tmp_path, per_category=1):
        ref = put(f"imports/{system_id}/{path.name}", path.read_bytes())
        items.append(IngestItem(ref, IngestTarget(system_id, "system", "import", path.name, path.parent.name)))
        pictures[path.name] = path.read_bytes()
    outcomes = ingestor.ingest(items)
    assert all(o.status is Status.READY for o in outcomes), [o.reason for o in outcomes]
    return {o.image_id: pictures[o.ref.key.rsplit("/", 1)[-1]] for o in outcomes}


@pytest.fixture
def token(api_url, library):
    credentials = {"username": "searcher", "password": PASSWORD}
    requests.post(f"{api_url}/auth/register", json=credentials, timeout=10)
    response = requests.post(f"{api_url}/auth/login", json=credentials, timeout=10)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _search(api_url, token, path, **body):
    response = requests.post(f"{api_url}{path}", json=body, headers=token, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def test_text_search_returns_sample_images_with_timings(api_url, token, library):
    reply = _search(api_url, token, "/search/text", q="a photo of a shop receipt", k=5)
    assert len(reply["results"]) == 5
    assert {hit["id"] for hit in reply["results"]} <= set(library)
    assert all(hit["thumbnail_url"] and -1 <= hit["cosine"] <= 1 for hit in reply["results"])
    assert set(reply["timing"]) >= TIMING_FIELDS


def test_image_search_finds_the_same_picture_first(api_url, token, library):
    image_id, picture = next(iter(library.items()))
    reply = _search(api_url, token, "/search/image", image_b64=base64.b64encode(picture).decode(), k=3)
    assert reply["results"][0]["id"] == image_id
    assert reply["results"][0]["cosine"] > 0.99


def test_ocr_search_finds_substrings_and_cjk_in_the_stored_text(api_url, token, library):
    # The stored text is set here so the query words are known to be this image's alone (the sample
    # library's own pictures are read for real and say MARKET, city names and so on); the search path
    # (trigrams, words, snippets, visibility) is the real one.
    image_id = next(iter(library))
    with transaction() as cur:
        cur.execute(
            """INSERT INTO ocr_texts (image_id, text, confidence) VALUES (%s, %s, 0.9)
               ON CONFLICT (image_id) DO UPDATE SET text = EXCLUDED.text""",
            (image_id, "ZANZIBAR BAZAAR 收据 plate RE16XYZ total 12.50"),
        )
    for query in ("RE16", "收据", "bazaar"):
        hits = _search(api_url, token, "/search/ocr", q=query, k=10)["results"]
        assert hits and hits[0]["id"] == image_id, query
        assert hits[0]["snippet"] and hits[0]["highlights"], query


def test_similar_and_duplicates_over_http(api_url, token, library):
    image_id = next(iter(library))
    response = requests.get(f"{api_url}/images/{image_id}/similar", params={"k": 4}, headers=token, timeout=60)
    assert response.status_code == 200, response.text
    ids = [hit["id"] for hit in response.json()["results"]]
    assert len(ids) == 4 and image_id not in ids
    response = requests.get(f"{api_url}/images/duplicates", params={"s_min": 0.95}, headers=token, timeout=60)
    assert response.status_code == 200, response.text
    assert response.json()["group_count"] == 0, "the caller owns no images"
