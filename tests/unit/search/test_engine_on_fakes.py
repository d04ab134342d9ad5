"""The search engine's decisions on in-memory ports: ranking, the visibility re-check at hydration,
"similar" from the stored vector, category restriction, text in pictures, hybrid fusion and its reasons,
and the analytics event — without Postgres, S3 or model weights."""

from __future__ import annotations

import numpy as np
import pytest

from imagedrive.errors import NotFound
from imagedrive.search.engine import SearchEngine
from imagedrive.search.models import DuplicateSearch, HybridSearch, OcrSearch, SimilarSearch, TextSearch
from tests.fakes.objects import MemoryObjectStore
from tests.fakes.search_repository import IndexedAtBuild, MemorySearchRepository, SearchableImage

ALICE, BOB = 1, 2


def unit(*values: float) -> np.ndarray:
    vector = np.asarray(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


WORDS = {"cat": unit(1, 0, 0, 0), "boat": unit(0, 1, 0, 0), "receipt": unit(0, 0, 1, 0), "tree": unit(0, 0, 0, 1)}


class WordEncoder:
    """A query encoder for four concepts: each word is a direction (the query's first word counts)."""

    model_version = "test-model"

    def embed_text(self, text: str) -> np.ndarray:
        return WORDS[text.split()[0].lower()]

    def embed_image(self, image: object) -> np.ndarray:
        raise AssertionError("not used here")


@pytest.fixture
def drive():
    repository = MemorySearchRepository()
    spaces = IndexedAtBuild(repository)
    engine = SearchEngine(WordEncoder(), spaces=spaces, repository=repository, objects=MemoryObjectStore())
    images = {
        10: SearchableImage(10, ALICE, unit(1, 0.1, 0, 0)),  # a cat
        11: SearchableImage(11, ALICE, unit(1, 0.4, 0, 0)),  # a cat near a boat
        12: SearchableImage(12, ALICE, unit(0, 0, 1, 0.2), text="INVOICE RE16-2201"),  # a receipt
        20: SearchableImage(20, BOB, unit(1, 0, 0, 0)),  # Bob's private cat: the best match of all
        21: SearchableImage(21, BOB, unit(0.9, 0.1, 0, 0), visibility="public", text="cat café RE16"),
    }
    for image in images.values():
        repository.add(image)
    return engine, repository, spaces


def test_text_search_ranks_what_the_user_may_see(drive):
    engine, _, _ = drive
    response = engine.text(ALICE, TextSearch(q="cat", k=3))
    assert [hit.id for hit in response.results] == [10, 21, 11], "Bob's private cat is never a hit"
    assert response.results[0].score == pytest.approx(float(unit(1, 0.1, 0, 0)[0]), abs=1e-6)
    assert response.results[0].thumbnail_url.startswith("memory://")


def test_an_image_made_private_after_the_index_was_built_is_dropped_at_hydration(drive):
    engine, repository, spaces = drive
    spaces.build(ALICE)  # the index still holds Bob's public picture
    repository.images[21].visibility = "private"
    assert 21 not in [hit.id for hit in engine.text(ALICE, TextSearch(q="cat", k=10)).results]
    repository.images[10].status = "DELETED"
    assert [hit.id for hit in engine.text(ALICE, TextSearch(q="cat", k=2)).results] == [11, 12], \
        "k survivors are found by asking the index for more"


def test_a_threshold_returns_exactly_the_images_at_or_above_it(drive):
    engine, _, _ = drive
    hits = engine.text(ALICE, TextSearch(q="cat", k=50, s_min=0.95)).results
    assert {hit.id for hit in hits} == {10, 21}
    assert all(hit.score >= 0.95 for hit in hits)


def test_similar_uses_the_stored_vector_leaves_the_image_out_and_refuses_what_is_not_yours(drive):
    engine, _, _ = drive
    hits = engine.similar(ALICE, SimilarSearch(image_id=10, k=2)).results
    assert [hit.id for hit in hits] == [21, 11]
    with pytest.raises(NotFound):
        engine.similar(ALICE, SimilarSearch(image_id=20, k=2))


def test_a_category_restricts_the_search_and_an_unknown_one_is_not_found(drive):
    engine, repository, _ = drive
    repository.user_categories[5] = ALICE
    repository.images[11].categories.add(5)
    assert [hit.id for hit in engine.text(ALICE, TextSearch(q="cat", k=5, category=5)).results] == [11]
    with pytest.raises(NotFound):
        engine.text(BOB, TextSearch(q="cat", k=5, category=5))


def test_text_in_pictures_highlights_the_words_and_respects_visibility(drive):
    engine, _, _ = drive
    hits = engine.ocr(ALICE, OcrSearch(q="RE16", k=10)).results
    assert [hit.id for hit in hits] == [12, 21]
    assert "RE16" in hits[0].snippet and hits[0].highlights


def test_hybrid_fuses_clip_and_text_and_says_why_each_matched(drive):
    engine, _, _ = drive
    hits = engine.hybrid(ALICE, HybridSearch(q="cat RE16", k=3)).results
    assert hits[0].id == 21, "found by both: by what it shows and by what it says"
    assert {r.source for r in hits[0].reasons} == {"clip", "ocr"}
    assert all(hit.cosine is not None for hit in hits), "text-only hits get a cosine from their stored vector"


def test_every_search_leaves_one_event(drive):
    engine, repository, _ = drive
    engine.text(ALICE, TextSearch(q="boat", k=1))
    engine.ocr(ALICE, OcrSearch(q="nothing like this", k=5))
    assert [(e["kind"], e["result_count"]) for e in repository.events] == [("text", 1), ("ocr", 0)]


def test_duplicate_groups_come_in_pages_from_one_grouping_and_a_change_regroups(drive):
    engine, repository, spaces = drive
    directions = [(0, 1, 0, 0), (0, 0, 0, 1), (0, 1, 1, 0), (0, 1, 0, 1), (0, 0, 1, 1)]  # far from 10-21
    for group, direction in enumerate(directions):  # five groups of alice's near-copies, the first the largest
        base = np.asarray(direction, np.float32)
        for copy in range(3 if group == 0 else 2):
            repository.add(SearchableImage(100 + 10 * group + copy, ALICE, unit(*(base + 0.001 * copy))))
    spaces.build(ALICE)

    first = engine.duplicates(ALICE, DuplicateSearch(s_min=0.999, max_groups=2))
    second = engine.duplicates(ALICE, DuplicateSearch(s_min=0.999, max_groups=2, offset=first.next_offset))
    last = engine.duplicates(ALICE, DuplicateSearch(s_min=0.999, max_groups=2, offset=second.next_offset))

    assert first.group_count == second.group_count == last.group_count == 5
    assert (first.offset, first.next_offset, second.next_offset, last.next_offset) == (0, 2, 4, None)
    pages = [[sorted(h.id for h in g.images) for g in page.groups] for page in (first, second, last)]
    assert pages[0][0] == [100, 101, 102], "largest first"
    assert sorted(ids for page in pages for ids in page) == [[100, 101, 102], [110, 111], [120, 121],
                                                             [130, 131], [140, 141]]
    assert len(engine._groupings._entries) == 1, "the following pages read the first page's grouping"

    del repository.images[140], repository.images[141]  # deleted: the library changed
    assert engine.duplicates(ALICE, DuplicateSearch(s_min=0.999, max_groups=2)).group_count == 4
