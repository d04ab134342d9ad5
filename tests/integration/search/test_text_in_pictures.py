"""OCR search in Postgres (substrings, CJK, words, misreadings) and hybrid fusion with CLIP: first on
planted texts (exact rankings), then on rendered pictures read by the real OCR engine."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from imagedrive.db import transaction
from imagedrive.indexing.cache import IndexCache
from imagedrive.ingest.pipeline import IngestItem, Status
from imagedrive.search.engine import SearchEngine
from imagedrive.search.models import HybridSearch, OcrSearch
from sample_data.generate import generate
from tests.fixtures import images
from tests.fixtures.ingest import put
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


# -- Real pictures: rendered text → S3 → ingest (RapidOCR on its real weights) → OCR and hybrid search --------

RENDERED = {
    "plate.jpg": dict(text="CAR RE16 XK", size=40, photo_seed=21, canvas=(800, 600), colour="white", fmt="JPEG"),
    "invoice.png": dict(text="增值税发票 No 4711", cjk=True, size=40),
    "address.png": dict(text="北京市海淀区中关村大街1号", cjk=True, size=36, angle=12),
    "menu.png": dict(text="SOUP OF THE DAY", size=18, background=(40, 90, 160), colour=(255, 235, 120)),
    "sticker.png": dict(text="CLEAR WATER", size=44, transparent=True),
    "upside.png": dict(text="KIOSK 2207", size=40, angle=180, background=(250, 225, 225)),
}


@pytest.fixture
def rendered(ingestor, alice):
    """alice's rendered pictures and two photos without text, ingested through S3 like uploads."""
    data = {name: images.text_picture(**spec) for name, spec in RENDERED.items()}
    data |= {"beach.jpg": images.picture(31), "forest.jpg": images.picture(32)}
    outcomes = ingestor.ingest([IngestItem(put(f"uploads/{alice}/r/{name}", body)) for name, body in data.items()])
    assert [o.status for o in outcomes] == [Status.READY] * len(data), [o.reason for o in outcomes]
    return {name: o.image_id for name, o in zip(data, outcomes, strict=True)}


@pytest.fixture
def real_engine(models, store, tmp_path) -> SearchEngine:
    return SearchEngine(models.clip, IndexCache(store, tmp_path / "indexes", 1 << 30))


# query, the picture it is in, what the snippet marks (one ingest serves them all: OCR takes ~1 s a picture)
FOUND_BY = [("RE16", "plate.jpg", "RE16"), ("发票", "invoice.png", "发票"), ("中关村", "address.png", "中关村"),
            ("soup", "menu.png", "SOUP"), ("water", "sticker.png", "WATER"), ("2207", "upside.png", "2207")]


def test_text_in_pictures_is_found_first_with_the_right_snippet(real_engine, alice, rendered):
    for q, name, marked in FOUND_BY:
        hits = found(real_engine, alice, q)
        assert [hit.id for hit in hits] == [rendered[name]], q
        assert [hits[0].snippet[s:e] for s, e in hits[0].highlights] == [marked], q


def test_text_on_a_later_page_of_a_tiff_is_found(real_engine, ingestor, alice):
    pages = [Image.open(io.BytesIO(images.text_picture(text))) for text in ("COVER PAGE", "APPENDIX 5521")]
    out = io.BytesIO()
    pages[0].save(out, format="TIFF", save_all=True, append_images=pages[1:])
    (outcome,) = ingestor.ingest([IngestItem(put(f"uploads/{alice}/t/report.tiff", out.getvalue()))])
    (hit,) = found(real_engine, alice, "5521")
    assert hit.id == outcome.image_id and hit.snippet == "COVER PAGE\nAPPENDIX 5521"


def test_what_was_read_is_stored_line_by_line_with_its_engine(rendered, models):
    with transaction() as cur:
        cur.execute("SELECT image_id, text, engine, model, lines FROM ocr_texts WHERE image_id = ANY(%s)",
                    (list(rendered.values()),))
        rows = {row["image_id"]: row for row in cur.fetchall()}
    assert set(rows) == set(rendered.values()), "pictures without text get a row too: OCR looked, read nothing"
    assert {(row["engine"], row["model"]) for row in rows.values()} == {("rapidocr", models.ocr.model)}
    assert rows[rendered["address.png"]]["text"] == "北京市海淀区中关村大街1号"
    assert rows[rendered["beach.jpg"]]["text"] is None and rows[rendered["beach.jpg"]]["lines"] == []
    (line,) = rows[rendered["plate.jpg"]]["lines"]
    assert line["text"] == "CAR RE16 XK" and line["confidence"] > 0.9 and len(line["box"]) == 4


def test_hybrid_ranks_the_picture_with_the_words_first_and_says_why(real_engine, alice, rendered):
    for q, name in (("RE16", "plate.jpg"), ("中关村", "address.png")):
        response = real_engine.hybrid(alice, HybridSearch(q=q, k=5))
        first = response.results[0]
        assert first.id == rendered[name], q
        assert {r.source for r in first.reasons} == {"clip", "ocr"}
        assert [first.snippet[s:e] for s, e in first.highlights] == [q]
        assert all({r.source for r in hit.reasons} == {"clip"} for hit in response.results[1:])


# The sample library's text-bearing categories, each found by a word only it shows.
SAMPLE_WORDS = {"receipts": "THANK", "menus": "MENU", "tickets": "SEAT", "charts": "sales", "screenshots": "Settings",
                "posters": "LIVE", "business-cards": "Manager"}


def test_the_sample_librarys_text_categories_are_found_by_their_words(real_engine, ingestor, alice, tmp_path):
    generate(tmp_path / "library", per_category=1)
    paths = {category: next((tmp_path / "library" / category).iterdir()) for category in SAMPLE_WORDS}
    outcomes = ingestor.ingest([IngestItem(put(f"uploads/{alice}/{category}/{path.name}", path.read_bytes()))
                                for category, path in paths.items()])
    ids = {category: o.image_id for category, o in zip(paths, outcomes, strict=True)}
    for category, word in SAMPLE_WORDS.items():
        hits = found(real_engine, alice, word)
        assert hits and hits[0].id == ids[category], (category, word, [h.snippet for h in hits])
        assert [hits[0].snippet[s:e].lower() for s, e in hits[0].highlights][:1] == [word.lower()]
