"""Reciprocal-rank fusion and OCR snippets."""

from __future__ import annotations

from imagedrive.search.fusion import fuse
from imagedrive.search.snippets import snippet


def test_a_hit_in_both_lists_outranks_hits_in_one_and_says_why():
    fused = fuse({"clip": [(1, 0.31), (2, 0.30)], "ocr": [(3, 1.5), (2, 1.2)]}, rrf_k=60)
    assert [f.id for f in fused] == [2, 1, 3]
    assert fused[0].score == 1 / 62 + 1 / 62
    assert [(r.source, r.rank) for r in fused[0].reasons] == [("clip", 2), ("ocr", 2)]
    assert [r.source for r in fused[1].reasons] == ["clip"] and [r.source for r in fused[2].reasons] == ["ocr"]


def test_equal_fused_scores_order_by_id():
    fused = fuse({"clip": [(9, 0.5)], "ocr": [(4, 2.0)]}, rrf_k=60)
    assert [f.id for f in fused] == [4, 9]


def test_a_code_inside_a_longer_token_is_highlighted():
    text, spans = snippet("Car plate: XRE16Y parked", "re16")
    assert [text[s:e] for s, e in spans] == ["RE16"]


def test_cjk_text_is_highlighted_without_spaces():
    text, spans = snippet("收据金额 2024 总计", "金额")
    assert [text[s:e] for s, e in spans] == ["金额"]


def test_each_query_word_is_highlighted_and_the_snippet_is_around_the_first_match():
    long_text = "lorem " * 100 + "Total 12.50 EUR on the invoice"
    text, spans = snippet(long_text, "invoice total", window=80)
    assert len(text) <= 80 and {text[s:e].lower() for s, e in spans} == {"total", "invoice"}


def test_no_exact_match_gives_the_start_of_the_text_unmarked():
    assert snippet("fuzzy match only", "fuzzi", window=5) == ("fuzzy", [])
