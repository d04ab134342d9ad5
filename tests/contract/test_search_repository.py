"""SearchRepository: MemorySearchRepository (unit tests) behaves as PostgresSearchRepository (production)
in what the search engine relies on: the visibility rule at every read, stored vectors, text matches."""

from __future__ import annotations

import numpy as np
import pytest

from imagedrive.errors import NotFound
from tests.contract.conftest import SEARCH_MODEL


def _vector(index: int, dim: int = 512) -> np.ndarray:
    vector = np.zeros(dim, np.float32)
    vector[index] = 1.0
    return vector


def test_hydration_shows_own_and_shared_images_never_anothers_private_one(search_repository):
    repository, add_image, add_user = search_repository
    alice, bob = add_user("alice"), add_user("bob")
    own = add_image(alice, _vector(0))
    public = add_image(bob, _vector(1), visibility="public")
    private = add_image(bob, _vector(2))
    rows = repository.visible_rows(alice, [own, public, private])
    assert set(rows) == {own, public}
    assert (rows[public]["owner_id"], rows[public]["visibility"]) == (bob, "public")
    assert set(repository.visible_rows(bob, [own, public, private])) == {public, private}
    assert set(repository.own_ready_ids(alice).tolist()) == {own}


def test_a_stored_vector_comes_back_exactly_and_only_to_who_may_see_it(search_repository):
    repository, add_image, add_user = search_repository
    alice, bob = add_user("alice"), add_user("bob")
    image = add_image(alice, _vector(7))
    assert np.array_equal(repository.stored_vector(alice, image, SEARCH_MODEL), _vector(7))
    with pytest.raises(NotFound):
        repository.stored_vector(bob, image, SEARCH_MODEL)
    assert set(repository.stored_vectors([image], SEARCH_MODEL)) == {image}
    assert repository.stored_vectors([image], "another-model") == {}


def test_text_in_pictures_matches_a_code_inside_a_longer_text_and_all_words(search_repository):
    repository, add_image, add_user = search_repository
    alice, bob = add_user("alice"), add_user("bob")
    invoice = add_image(alice, _vector(0), text="INVOICE RE16-2201 total 42")
    hidden = add_image(bob, _vector(1), text="RE16 on Bob's private receipt")
    add_image(alice, _vector(2), text="a ferry pass")
    assert [m.row["id"] for m in repository.find_text(alice, "re16", 10)] == [invoice]
    assert [m.row["id"] for m in repository.find_text(alice, "total invoice", 10)] == [invoice]
    assert hidden in [m.row["id"] for m in repository.find_text(bob, "RE16", 10)]
    assert repository.find_text(alice, "nothing like this", 10) == []
