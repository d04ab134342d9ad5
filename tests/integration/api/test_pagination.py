"""Cursor pagination returns every image exactly once while new ones arrive; filters and sorts."""

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest

from imagedrive.db import transaction
from tests.integration.api.conftest import call, insert_image, register_and_login


def _walk(http, token, params, between_pages=lambda: None):
    seen, cursor = [], None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        page = call(http, "GET", f"/images?{urlencode(query)}", token=token)
        assert page.status_code == 200, page.json_body
        seen += page.json_body["items"]
        cursor = page.json_body["next_cursor"]
        if not cursor:
            return seen
        between_pages()


@pytest.mark.parametrize("sort", ["newest", "oldest", "name", "size"])
def test_every_image_once_while_new_images_arrive(http, sort):
    alice = register_and_login(http, "alice")
    # Ties on purpose: equal sizes, names and upload times must still page by id.
    before = [insert_image(alice.id, f"img-{i % 4}.jpg", size=100 * (i % 3)) for i in range(23)]
    with transaction() as cur:
        cur.execute("UPDATE images SET upload_ts = '2024-01-01T00:00:00Z' WHERE id = ANY(%s)", (before[:8],))
    arrivals = []
    items = _walk(http, alice.token, {"sort": sort, "limit": 5},
                  between_pages=lambda: arrivals.append(insert_image(alice.id, f"new-{len(arrivals)}.jpg")))
    ids = [item["id"] for item in items]
    assert len(arrivals) >= 4
    assert len(ids) == len(set(ids)), "an image came twice"
    assert set(before) <= set(ids), "an image was skipped"
    assert set(ids) <= set(before) | set(arrivals)


def test_sort_orders(http):
    alice = register_and_login(http, "alice")
    small, big, middle = (insert_image(alice.id, name, size=size)
                          for name, size in (("b.jpg", 1), ("c.jpg", 300), ("a.jpg", 20)))
    def order(sort):
        return [item["id"] for item in _walk(http, alice.token, {"sort": sort})]

    assert order("newest") == [middle, big, small]
    assert order("oldest") == [small, big, middle]
    assert order("name") == [middle, small, big]
    assert order("size") == [big, middle, small]


def test_filters_status_visibility_category_name_and_dates(http):
    alice = register_and_login(http, "alice")
    ready = insert_image(alice.id, "Beach_100%.jpg")
    pending = insert_image(alice.id, "beach-2.jpg", status="PENDING", visibility="public")
    other = insert_image(alice.id, "mountain.jpg")
    with transaction() as cur:
        cur.execute("INSERT INTO categories (name, owner_id) VALUES ('sea', %s) RETURNING id", (alice.id,))
        category = cur.fetchone()["id"]
        cur.execute("INSERT INTO image_categories (image_id, category_id, source) VALUES (%s, %s, 'manual')",
                    (other, category))
        cur.execute("UPDATE images SET upload_ts = now() - interval '10 days' WHERE id = %s", (other,))

    def ids(**params):
        return {item["id"] for item in _walk(http, alice.token, params)}

    assert ids(status="PENDING") == {pending}
    assert ids(visibility="public") == {pending}
    assert ids(category=category) == {other}
    assert ids(q="beach") == {ready, pending}
    assert ids(q="_100%") == {ready}  # LIKE wildcards are matched literally
    assert ids(q="h%j") == set()
    since = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    assert ids(uploaded_from=since) == {ready, pending}
    assert ids(uploaded_to=since) == {other}


def test_bad_cursors_and_parameters_are_client_errors(http):
    alice = register_and_login(http, "alice")
    for query, status in (("cursor=garbage", 400), ("limit=0", 422), ("sort=random", 422),
                          ("uploaded_from=yesterday", 422), ("q=%00", 422), ("category=0", 422)):
        response = call(http, "GET", f"/images?{query}", token=alice.token)
        assert response.status_code == status, query
        assert "error" in response.json_body
