"""User B never sees user A's private image in any kind of search, including right after A makes a
public image private and before any index rebuild."""

from __future__ import annotations

import numpy as np
import pytest

from imagedrive.errors import NotFound
from imagedrive.indexing.builder import build_user_index
from imagedrive.search.models import DuplicateSearch, HybridSearch, ImageSearch, OcrSearch, SimilarSearch, TextSearch
from tests.integration.search.conftest import MODEL, plant, set_ocr, set_visibility, unit_rows

SECRET = "PLATE RE16 XYZ 收据金额"


@pytest.fixture
def scene(engine, embedder, alice, bob, store):
    """Alice's secret image is exactly what bob asks for; bob owns two near copies of it, and other images."""
    rng = np.random.default_rng(21)
    secret_vector = unit_rows(rng, 1)[0]
    (secret,) = plant(alice, secret_vector[None, :])
    set_ocr(secret, SECRET)
    near_copies = secret_vector + 0.01 * unit_rows(rng, 2)
    near_copies /= np.linalg.norm(near_copies, axis=1, keepdims=True)
    bobs = plant(bob, np.concatenate([near_copies, unit_rows(rng, 30)]))
    set_ocr(bobs[2], "a receipt with nothing to hide")
    embedder.texts["RE16"] = secret_vector
    embedder.texts["金额"] = secret_vector
    embedder.images[b"the secret, photographed again"] = secret_vector
    for user in (alice, bob):
        build_user_index(user, MODEL, store=store)
    return secret, bobs


def every_kind(engine, user_id: int, probe_image: int) -> dict[str, set[int]]:
    """The ids each kind of search shows `user_id` when looking for the secret."""
    found = {
        "text": engine.text(user_id, TextSearch(q="RE16", k=200, s_min=-1.0)),
        "image": engine.image(user_id, b"the secret, photographed again", ImageSearch(k=200)),
        "similar": engine.similar(user_id, SimilarSearch(image_id=probe_image, k=200)),
        "ocr": engine.ocr(user_id, OcrSearch(q="RE16")),
        "ocr_cjk": engine.ocr(user_id, OcrSearch(q="金额")),
        "hybrid": engine.hybrid(user_id, HybridSearch(q="RE16", k=200)),
    }
    ids = {kind: {hit.id for hit in response.results} for kind, response in found.items()}
    groups = engine.duplicates(user_id, DuplicateSearch(s_min=0.95)).groups
    ids["duplicates"] = {hit.id for group in groups for hit in group.images}
    return ids


def test_bob_never_sees_alices_private_image(engine, alice, bob, scene):
    secret, bobs = scene
    seen = every_kind(engine, bob, probe_image=bobs[0])
    assert {kind for kind, ids in seen.items() if secret in ids} == set()
    assert seen["duplicates"] == set(bobs[:2]), "bob's own copies pair up, without the secret they copy"
    with pytest.raises(NotFound):
        engine.similar(bob, SimilarSearch(image_id=secret, k=5))
    # Alice finds it every way (duplicates: only among her own images, and she has no copy of it).
    mine = every_kind(engine, alice, probe_image=secret)
    assert {kind for kind, ids in mine.items() if secret in ids} == {"text", "image", "ocr", "ocr_cjk", "hybrid"}
    assert mine["duplicates"] == set()


def test_made_public_it_is_found_and_made_private_again_it_is_gone_before_any_rebuild(engine, alice, bob, scene):
    secret, bobs = scene
    set_visibility(secret, "public")
    public = every_kind(engine, bob, probe_image=bobs[0])
    assert {kind for kind, ids in public.items() if secret in ids} == {"text", "image", "similar", "ocr", "ocr_cjk",
                                                                        "hybrid"}
    build_user_index(bob, MODEL, store=engine.spaces.cache.store)  # now bob's index holds the secret

    set_visibility(secret, "private")
    again = every_kind(engine, bob, probe_image=bobs[0])
    assert {kind for kind, ids in again.items() if secret in ids} == set()
    assert public["duplicates"] == again["duplicates"] == set(bobs[:2]), "only ever bob's own images"
