"""Who sees and changes which image; deletions leave nothing behind."""

import pytest
import requests
from botocore.exceptions import ClientError

from imagedrive.aws import client
from imagedrive.db import transaction
from imagedrive.storage import ObjectRef, thumbnail_ref
from tests.integration.api.conftest import audit_actions, call, insert_image, register_and_login, system_user_id


@pytest.fixture
def alice_and_bob(http):
    return register_and_login(http, "alice"), register_and_login(http, "bob")


def test_another_users_private_image_is_not_found_on_every_route(http, alice_and_bob):
    alice, bob = alice_and_bob
    private = insert_image(alice.id, "secret.jpg", with_objects=True)
    attempts = [
        ("GET", f"/images/{private}", None), ("GET", f"/images/{private}/download", None),
        ("GET", f"/images/{private}/thumbnail", None), ("GET", f"/images/{private}/categories", None),
        ("POST", f"/images/{private}/categories", {"unassign": [1]}),
        ("PATCH", f"/images/{private}", {"filename": "mine.jpg"}), ("DELETE", f"/images/{private}", None),
    ]
    missing = 10**12
    for method, path, body in attempts:
        hidden = call(http, method, path, body=body, token=bob.token)
        absent = call(http, method, path.replace(str(private), str(missing)), body=body, token=bob.token)
        assert hidden.status_code == 404, (method, path)
        assert hidden.json_body == absent.json_body  # a hidden image looks exactly like none at all
    assert call(http, "GET", f"/images/{private}", token=alice.token).status_code == 200
    listed = call(http, "GET", "/images", token=bob.token).json_body["items"]
    assert private not in [item["id"] for item in listed]


def test_public_and_system_images_are_visible_to_others_but_read_only(http, alice_and_bob):
    alice, bob = alice_and_bob
    public = insert_image(alice.id, "public.jpg", visibility="public", with_objects=True)
    system = insert_image(system_user_id(), "sample.jpg", visibility="system")
    listed = {item["id"]: item for item in call(http, "GET", "/images", token=bob.token).json_body["items"]}
    assert set(listed) == {public, system} and not listed[public]["is_owner"]
    for image_id in (public, system):
        assert call(http, "GET", f"/images/{image_id}", token=bob.token).status_code == 200
        assert call(http, "GET", f"/images/{image_id}/download", token=bob.token).status_code == 200
        refused = call(http, "PATCH", f"/images/{image_id}", body={"filename": "x.jpg"}, token=bob.token)
        assert refused.status_code == 403 and refused.json_body["error"]["code"] == "not_owner"
        assert call(http, "DELETE", f"/images/{image_id}", token=bob.token).status_code == 403
    mine_only = call(http, "GET", "/images?scope=mine", token=bob.token).json_body["items"]
    assert mine_only == []


def test_the_owner_renames_and_shares_but_only_an_admin_makes_an_image_system_wide(http, alice_and_bob):
    alice, _ = alice_and_bob
    image = insert_image(alice.id, "a.jpg")
    renamed = call(http, "PATCH", f"/images/{image}", body={"filename": "../holiday/写真.jpg"}, token=alice.token)
    assert renamed.status_code == 200 and renamed.json_body["filename"] == "写真.jpg"
    shared = call(http, "PATCH", f"/images/{image}", body={"visibility": "public"}, token=alice.token)
    assert shared.json_body["visibility"] == "public"
    with transaction() as cur:
        cur.execute("SELECT count(*) AS n FROM user_index_state WHERE stale_since IS NOT NULL")
        assert cur.fetchone()["n"] == 2  # public: everyone's visible set changed
    refused = call(http, "PATCH", f"/images/{image}", body={"visibility": "system"}, token=alice.token)
    assert refused.status_code == 403 and refused.json_body["error"]["code"] == "admin_only"
    admin = register_and_login(http, "root", role="admin")
    own = insert_image(admin.id, "admin.jpg")
    promoted = call(http, "PATCH", f"/images/{own}", body={"visibility": "system"}, token=admin.token)
    assert promoted.status_code == 200
    assert call(http, "PATCH", f"/images/{image}", body={}, token=alice.token).status_code == 422
    assert audit_actions("image.") == ["image.update", "image.update", "image.update"]


def test_details_carry_categories_ocr_text_status_and_failure_reason(http, alice_and_bob):
    alice, _ = alice_and_bob
    failed = insert_image(alice.id, "broken.jpg", status="FAILED")
    with transaction() as cur:
        cur.execute("INSERT INTO ocr_texts (image_id, text, confidence) VALUES (%s, 'INVOICE 42', 0.9)", (failed,))
    detail = call(http, "GET", f"/images/{failed}", token=alice.token).json_body
    assert (detail["status"], detail["error"], detail["ocr_text"]) == ("FAILED", "broken", "INVOICE 42")
    assert detail["categories"] == [] and detail["thumbnail_url"] is None
    assert call(http, "GET", f"/images/{failed}/thumbnail", token=alice.token).status_code == 404
    listed = call(http, "GET", "/images", token=alice.token).json_body["items"]
    assert [(item["id"], item["error"]) for item in listed] == [(failed, "broken")]  # no request per gallery card


def test_download_link_names_the_original_file(http, alice_and_bob):
    alice, _ = alice_and_bob
    image = insert_image(alice.id, "été 写真.jpg", with_objects=True)
    link = call(http, "GET", f"/images/{image}/download", token=alice.token).json_body
    fetched = requests.get(link["url"], timeout=10)
    assert fetched.status_code == 200 and fetched.content == b"original bytes"
    assert "filename*=UTF-8''%C3%A9t%C3%A9%20%E5%86%99%E7%9C%9F.jpg" in fetched.headers["Content-Disposition"]


def _exists(ref: ObjectRef) -> bool:
    try:
        client("s3").head_object(Bucket=ref.bucket, Key=ref.key)
        return True
    except ClientError:
        return False


def test_after_a_delete_no_row_and_no_object_of_the_image_remains(http, alice_and_bob, settings):
    alice, _ = alice_and_bob
    image = insert_image(alice.id, "gone.jpg", with_objects=True)
    with transaction() as cur:
        cur.execute("SELECT uri FROM images WHERE id = %s", (image,))
        original = ObjectRef.from_uri(cur.fetchone()["uri"])
        cur.execute("INSERT INTO ocr_texts (image_id, text) VALUES (%s, 'x')", (image,))
        cur.execute("INSERT INTO embeddings (image_id, model_version, dim, normalized, vec) "
                    "VALUES (%s, 'm', 1, true, '\\x00000000')", (image,))
    thumbnail = thumbnail_ref(alice.id, image)
    assert _exists(original) and _exists(thumbnail)
    assert call(http, "DELETE", f"/images/{image}", token=alice.token).status_code == 204
    assert not _exists(original) and not _exists(thumbnail)
    with transaction() as cur:
        for table, column in (("images", "id"), ("ocr_texts", "image_id"), ("embeddings", "image_id"),
                              ("image_categories", "image_id")):
            cur.execute(f"SELECT count(*) AS n FROM {table} WHERE {column} = %s", (image,))
            assert cur.fetchone()["n"] == 0, table
        cur.execute("SELECT stale_since FROM user_index_state WHERE user_id = %s", (alice.id,))
        assert cur.fetchone()["stale_since"] is not None
    assert call(http, "GET", f"/images/{image}", token=alice.token).status_code == 404
    assert audit_actions("image.") == ["image.delete"]


def test_clearing_a_library_needs_the_confirmation_and_removes_only_the_callers_images(http, alice_and_bob):
    alice, bob = alice_and_bob
    mine = [insert_image(alice.id, f"{i}.jpg", with_objects=True) for i in range(3)]
    theirs = insert_image(bob.id, "bob.jpg")
    refused = call(http, "POST", "/library/clear", body={"confirm": "yes"}, token=alice.token)
    assert refused.status_code == 422
    cleared = call(http, "POST", "/library/clear", body={"confirm": "DELETE ALL"}, token=alice.token)
    assert cleared.json_body == {"deleted": 3}
    assert all(not _exists(thumbnail_ref(alice.id, image)) for image in mine)
    assert call(http, "GET", "/images/stats", token=alice.token).json_body["count"] == 0
    assert call(http, "GET", f"/images/{theirs}", token=bob.token).status_code == 200
    assert "library.clear" in audit_actions("library.")


def test_stats_count_bytes_and_formats_of_the_callers_library(http, alice_and_bob):
    alice, bob = alice_and_bob
    insert_image(alice.id, "a.jpg", size=100)
    insert_image(alice.id, "b.png", size=50, mime="image/png")
    insert_image(alice.id, "c.jpg", size=25, status="PENDING")
    insert_image(bob.id, "d.jpg", size=1000, visibility="public")
    stats = call(http, "GET", "/images/stats", token=alice.token).json_body
    assert (stats["count"], stats["storage_bytes"]) == (3, 175)
    assert stats["by_status"] == {"READY": 2, "PENDING": 1}
    assert stats["by_format"][0] == {"mime": "image/jpeg", "count": 2, "bytes": 125}
