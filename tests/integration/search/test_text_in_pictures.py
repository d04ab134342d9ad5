"""OCR search in Postgres (substrings, CJK, words, misreadings) and hybrid fusion with CLIP."""

from __future__ import annotations

import numpy as np
import pytest

from imagedrive.search.models import HybridSearch, OcrSearch
from tests.integration.search.conftest import plant, set_ocr, unit_rows

TEXTS = {
    "plate": "Car plate XRE16Y parked on Main St",
    "receipt": "收据 金额 128.00 元 谢谢惠顾",
    "invoice": "INVOICE 2024 Total 12.50 EUR",
    "invoice twice": "invoice invoice total due",
    "menu": "Lunch menu soup of the day",
}


@pytest.fixture
def pages(alice, embedder):
    vectors = unit_rows(np.random.default_rng(5), len(TEXTS))
    ids = dict(zip(TEXTS, plant(alice, vectors), strict=True))
    for name, text in TEXTS.items():
        set_ocr(ids[name], text)
    return ids, dict(zip(TEXTS, vectors, strict=True))


def found(engine, user_id, q):
    return engine.ocr(user_id, OcrSearch(q=q, k=10)).results


def test_a_plate_number_inside_a_longer_token_is_found_and_marked(engine, alice, pages):
    ids, _ = pages
    (hit,) = found(engine, alice, "re16")
    assert hit.id == ids["plate"]
    assert [hit.snippet[s:e] for s, e in hit.highlights] == ["RE16"]
    assert hit.cosine is None and hit.reasons[0].source == "ocr"


@pytest.mark.parametrize("q", ["金额", "谢谢惠顾", "收据 金额"])
def test_cjk_text_is_found(engine, alice, pages, q):
    ids, _ = pages
    assert [hit.id for hit in found(engine, alice, q)] == [ids["receipt"]]


def test_word_matches_rank_by_relevance(engine, alice, pages):
    ids, _ = pages
    assert [hit.id for hit in found(engine, alice, "invoice total")] == [ids["invoice twice"], ids["invoice"]]


def test_a_misread_word_still_matches_by_trigram_similarity(engine, alice, pages):
    ids, _ = pages
    assert ids["menu"] in [hit.id for hit in found(engine, alice, "Lunch menue")]


def test_like_wildcards_in_the_query_are_literal(engine, alice, pages):
    assert found(engine, alice, "%") == [] and found(engine, alice, "_") == []


def test_hybrid_fuses_clip_and_ocr_and_says_why_each_hit_matched(engine, embedder, alice, pages):
    ids, vectors = pages
    embedder.texts["invoice"] = vectors["menu"]  # CLIP's best picture for the words is the menu
    response = engine.hybrid(alice, HybridSearch(q="invoice", k=5))
    by_id = {hit.id: hit for hit in response.results}
    assert {r.source for r in by_id[ids["menu"]].reasons} == {"clip"}
    assert {r.source for r in by_id[ids["invoice twice"]].reasons} == {"clip", "ocr"}
    assert by_id[ids["invoice twice"]].snippet and by_id[ids["invoice twice"]].highlights
    assert all(hit.cosine is not None for hit in response.results), "OCR hits get their CLIP cosine too"
    scores = [hit.score for hit in response.results]
    assert scores == sorted(scores, reverse=True)
    # Every page is in CLIP's list here, so the two pages also in OCR's list come first, whatever CLIP says.
    assert {hit.id for hit in response.results[:2]} == {ids["invoice"], ids["invoice twice"]}
