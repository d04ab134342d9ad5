"""Index-queue messages: `{"users": [ids] | "*"}`, coalesced across a batch."""

from __future__ import annotations

import pytest

from imagedrive.indexing.rebuild import BadRebuildRequest, parse_request
from imagedrive.indexing.stale import EVERYONE, union


def test_a_message_names_users_or_everyone():
    assert parse_request('{"users": [3, 1, 3]}') == [1, 3]
    assert parse_request({"users": "*"}) == EVERYONE


@pytest.mark.parametrize("body", ['{"users": "alice"}', '{"users": [1, "2"]}', '{"users": [true]}', "[]", "{}"])
def test_anything_else_is_refused(body):
    with pytest.raises(BadRebuildRequest):
        parse_request(body)


def test_a_batch_builds_each_named_user_once_and_everyone_wins():
    assert union([[1, 2], [2, 5], []]) == [1, 2, 5]
    assert union([[1], EVERYONE, [4]]) == EVERYONE
