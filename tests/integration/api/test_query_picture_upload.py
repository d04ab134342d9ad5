"""POST /search/image/upload presigns a query picture under the caller's own queries/{id}/ prefix;
/search/image {key} then searches with it (and deletes it). Another user's key is refused."""

from __future__ import annotations

import requests

from imagedrive.aws import client
from tests.fixtures import images
from tests.integration.api.conftest import call, register_and_login

PICTURE = images.picture(4242, size=(96, 96))


def _upload_query_picture(http, user) -> str:
    presigned = call(http, "POST", "/search/image/upload", token=user.token,
                     body={"filename": "what is this.jpg", "content_type": "image/jpeg", "size": len(PICTURE)})
    assert presigned.status_code == 200, presigned.json_body
    post = presigned.json_body
    assert post["key"].startswith(f"queries/{user.id}/") and post["key"].endswith("/what is this.jpg")
    sent = requests.post(post["url"], data=post["fields"],
                         files={"file": ("q.jpg", PICTURE, "image/jpeg")}, timeout=30)
    assert sent.status_code in (200, 204), sent.text
    return post["key"]


def _exists(bucket: str, key: str) -> bool:
    return client("s3").list_objects_v2(Bucket=bucket, Prefix=key).get("KeyCount", 0) == 1


def test_a_presigned_query_picture_is_searched_with_and_then_deleted(http, models, settings):
    alice = register_and_login(http, "alice")
    key = _upload_query_picture(http, alice)

    found = call(http, "POST", "/search/image", token=alice.token, body={"key": key, "k": 5})

    assert found.status_code == 200, found.json_body
    assert "results" in found.json_body
    assert not _exists(settings.originals_bucket, key), "a query picture is not kept"


def test_another_users_query_picture_is_refused_and_left_alone(http, models, settings):
    alice = register_and_login(http, "alice")
    bob = register_and_login(http, "bob")
    key = _upload_query_picture(http, alice)

    refused = call(http, "POST", "/search/image", token=bob.token, body={"key": key, "k": 5})

    assert refused.status_code == 403 and refused.json_body["error"]["code"] == "not_your_query_image"
    assert _exists(settings.originals_bucket, key)


def test_the_query_picture_presign_applies_the_upload_rules(http):
    alice = register_and_login(http, "alice")
    refused = call(http, "POST", "/search/image/upload", token=alice.token,
                   body={"filename": "x.html", "content_type": "text/html", "size": 10})
    assert refused.status_code == 415
