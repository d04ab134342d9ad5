"""What a search request may ask for."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from imagedrive.search.models import DuplicateSearch, OcrSearch, TextSearch


def test_defaults_and_limits():
    assert TextSearch(q="cat").k == 20
    assert TextSearch(q="cat", k=200, s_min=-1).s_min == -1
    assert DuplicateSearch().s_min == 0.95


@pytest.mark.parametrize("fields", [
    {"q": "cat", "k": 201}, {"q": "cat", "k": 0}, {"q": "cat", "s_min": 1.01}, {"q": "cat", "s_min": -1.5},
    {"q": ""}, {"q": "   "}, {"q": "cat", "surprise": 1},
])
def test_out_of_range_requests_are_refused(fields):
    with pytest.raises(ValidationError):
        TextSearch(**fields)


def test_the_query_is_trimmed():
    assert OcrSearch(q="  RE16 ").q == "RE16"
