from datetime import UTC, datetime

import pytest

from imagedrive.errors import BadRequest
from imagedrive.images import cursor


@pytest.mark.parametrize(("sort", "key"), [
    ("newest", datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)),
    ("oldest", datetime(2024, 5, 1, tzinfo=UTC)),
    ("name", "café 写真.jpg"),
    ("size", 0),
])
def test_cursor_round_trips_its_key_and_id(sort, key):
    assert cursor.decode(cursor.encode(sort, key, 42), sort) == (key, 42)


def test_cursors_are_opaque_url_safe_text():
    encoded = cursor.encode("name", "a/b+c?", 1)
    assert "/" not in encoded and "+" not in encoded and "=" not in encoded


@pytest.mark.parametrize(("sort", "bad"), [
    ("newest", ""), ("newest", "!!!"), ("newest", "bm90IGpzb24"), ("name", cursor.encode("name", "x", 1) + "x"),
    ("size", cursor.encode("size", "not a number", 1)), ("size", cursor.encode("size", 5, 0)),
    ("size", cursor.encode("size", 5, 2**63)), ("newest", cursor.encode("newest", "2024-01-01T00:00:00", 1)),
])
def test_tampered_or_malformed_cursors_are_a_bad_request(sort, bad):
    with pytest.raises(BadRequest) as refused:
        cursor.decode(bad, sort)
    assert refused.value.code == "invalid_cursor"


def test_a_cursor_of_another_sort_is_refused():
    with pytest.raises(BadRequest):
        cursor.decode(cursor.encode("size", 5, 1), "name")
