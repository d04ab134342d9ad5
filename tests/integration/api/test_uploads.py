"""Presigned POSTs: S3 (LocalStack) itself enforces the size limit and the declared image type."""

import requests

from imagedrive.aws import client
from tests.integration.api.conftest import audit_actions, call, register_and_login

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 200


def _presign(http, user, **overrides):
    body = {"filename": "holiday 写真.png", "content_type": "image/png", "size": len(PNG), **overrides}
    return call(http, "POST", "/upload", body=body, token=user.token)


def _post_to_s3(post, data, content_type="image/png"):
    fields = dict(post["fields"])
    if content_type != "image/png":
        fields["Content-Type"] = content_type
    return requests.post(post["url"], data=fields, files={"file": ("x.png", data, content_type)}, timeout=30)


def test_a_valid_image_is_accepted_by_s3_under_the_users_upload_prefix(http, settings):
    alice = register_and_login(http, "alice")
    response = _presign(http, alice)
    assert response.status_code == 200
    post = response.json_body
    assert post["key"].startswith(f"uploads/{alice.id}/") and post["key"].endswith("/holiday 写真.png")
    assert _post_to_s3(post, PNG).status_code in (200, 204)
    stored = client("s3").head_object(Bucket=settings.originals_bucket, Key=post["key"])
    assert stored["ContentLength"] == len(PNG) and stored["ContentType"] == "image/png"
    assert audit_actions("upload.") == ["upload.presign"]


def test_s3_refuses_a_body_over_the_limit(http, configure, settings):
    configure(max_upload_bytes=1024)
    alice = register_and_login(http, "alice")
    post = _presign(http, alice, size=1000).json_body
    refused = _post_to_s3(post, PNG + b"\0" * 2000)
    assert refused.status_code == 400 and "EntityTooLarge" in refused.text
    listed = client("s3").list_objects_v2(Bucket=settings.originals_bucket, Prefix=post["key"])
    assert listed.get("KeyCount", 0) == 0


def test_s3_refuses_a_content_type_other_than_the_declared_image_type(http):
    alice = register_and_login(http, "alice")
    post = _presign(http, alice).json_body
    refused = _post_to_s3(post, b"<script>alert(1)</script>", content_type="text/html")
    assert refused.status_code == 403 and "Policy Condition failed" in refused.text


def test_the_api_refuses_non_images_and_oversize_declarations(http, settings):
    alice = register_and_login(http, "alice")
    not_image = _presign(http, alice, content_type="text/html")
    assert not_image.status_code == 415 and not_image.json_body["error"]["code"] == "unsupported_image_type"
    too_big = _presign(http, alice, size=settings.max_upload_bytes + 1)
    assert too_big.status_code == 413
    assert too_big.json_body["error"]["details"]["max_bytes"] == settings.max_upload_bytes
    assert call(http, "POST", "/upload", body={"filename": "a.png"}, token=alice.token).status_code == 422


def test_the_limits_a_client_checks_before_sending_are_the_ones_the_api_enforces(http, settings):
    alice = register_and_login(http, "alice")
    limits = call(http, "GET", "/upload/limits", token=alice.token).json_body
    assert limits == {"content_types": list(settings.upload_content_types), "max_bytes": settings.max_upload_bytes,
                      "batch_max": settings.upload_batch_max}
    assert _presign(http, alice, size=limits["max_bytes"] + 1).status_code == 413
    assert call(http, "GET", "/upload/limits").status_code == 401


def test_a_batch_presigns_each_acceptable_file_and_says_why_others_are_refused(http):
    alice = register_and_login(http, "alice")
    files = [{"filename": f"{i}.jpg", "content_type": "image/jpeg", "size": 10} for i in range(3)]
    files.append({"filename": "notes.txt", "content_type": "text/plain", "size": 10})
    response = call(http, "POST", "/upload/batch", body={"files": files}, token=alice.token)
    assert response.status_code == 200
    items = response.json_body["items"]
    assert [bool(item["upload"]) for item in items] == [True, True, True, False]
    assert items[3]["error"]["code"] == "unsupported_image_type"
    assert len({item["upload"]["key"] for item in items[:3]}) == 3
