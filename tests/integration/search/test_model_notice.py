"""Every search reply names the CLIP model it used, and says in words when that model is random-init."""

import numpy as np

from imagedrive.indexing.cache import IndexCache
from imagedrive.search.dispatch import handle
from imagedrive.search.engine import SearchEngine
from tests.integration.search.conftest import MODEL

KINDS = [("text", {"q": "a cat"}), ("ocr", {"q": "invoice"}), ("hybrid", {"q": "invoice"}),
         ("duplicates", {})]


def test_a_random_init_clip_warns_in_every_kind_of_reply(clip_embedder, store, alice, tmp_path):
    engine = SearchEngine(clip_embedder, IndexCache(store, tmp_path / "indexes", 1 << 30))
    for kind, request in KINDS:
        reply = handle({"kind": kind, "user_id": alice, "request": request}, engine)
        assert reply["ok"], reply
        assert reply["result"]["model_version"] == clip_embedder.model_version
        assert "random-init" in reply["result"]["model_warning"], kind
        assert "./dev up" in reply["result"]["model_warning"]


def test_an_embedder_without_provenance_names_its_version_without_a_warning(engine, alice):
    engine.embedder.texts["a cat"] = np.ones(512, np.float32) / np.sqrt(512)
    reply = handle({"kind": "text", "user_id": alice, "request": {"q": "a cat"}}, engine)
    assert reply["result"]["model_version"] == MODEL and reply["result"]["model_warning"] is None
