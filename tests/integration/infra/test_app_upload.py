"""`./dev deploy`'s upload of the built web app, against a real bucket in the local AWS: every file with its
type and caching, the local build's stamp left behind, stale objects of the previous build deleted."""

from __future__ import annotations

from pathlib import Path

import pytest

from imagedrive.aws import client
from imagedrive.settings import Settings
from infra.app_upload import IMMUTABLE, REVALIDATE, publish_app


@pytest.fixture
def app_bucket(cloud: Settings):
    s3 = client("s3")
    name = f"{cloud.derived_bucket}-app"
    s3.create_bucket(Bucket=name)
    yield name
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name):
        for obj in page.get("Contents", []):
            s3.delete_object(Bucket=name, Key=obj["Key"])
    s3.delete_bucket(Bucket=name)


def _fake_dist(root: Path) -> Path:
    files = {
        "index.html": "<!doctype html><script type=module src=/assets/index-Ab12.js></script>",
        "assets/index-Ab12.js": "export const app = 1;",
        "assets/index-Cd34.css": "body{margin:0}",
        "assets/inter-Ef56.woff2": "woff2",
        "favicon.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
        ".imagedrive-sources-sha256": "local build stamp",
    }
    for key, text in files.items():
        (root / key).parent.mkdir(parents=True, exist_ok=True)
        (root / key).write_text(text)
    return root


def _keys(s3, bucket: str) -> set[str]:
    return {obj["Key"] for obj in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}


def test_the_app_is_uploaded_with_types_and_caching_and_stale_files_go(app_bucket, tmp_path):
    s3 = client("s3")
    s3.put_object(Bucket=app_bucket, Key="assets/index-Old9.js", Body=b"the previous build")
    dist = _fake_dist(tmp_path / "dist")

    published = publish_app(s3, app_bucket, dist)

    assert published.uploaded[-1] == "index.html", "the entry goes up after the chunks it names"
    assert published.deleted == ["assets/index-Old9.js"]
    assert _keys(s3, app_bucket) == {"index.html", "assets/index-Ab12.js", "assets/index-Cd34.css",
                                     "assets/inter-Ef56.woff2", "favicon.svg"}
    expected = {
        "index.html": ("text/html; charset=utf-8", REVALIDATE),
        "assets/index-Ab12.js": ("text/javascript; charset=utf-8", IMMUTABLE),
        "assets/index-Cd34.css": ("text/css; charset=utf-8", IMMUTABLE),
        "assets/inter-Ef56.woff2": ("font/woff2", IMMUTABLE),
        "favicon.svg": ("image/svg+xml", REVALIDATE),
    }
    for key, (content_type, cache_control) in expected.items():
        head = s3.head_object(Bucket=app_bucket, Key=key)
        assert (head["ContentType"], head["CacheControl"]) == (content_type, cache_control), key
    body = s3.get_object(Bucket=app_bucket, Key="assets/index-Ab12.js")["Body"].read()
    assert body == b"export const app = 1;"


def test_publishing_again_uploads_the_same_and_deletes_nothing(app_bucket, tmp_path):
    s3 = client("s3")
    dist = _fake_dist(tmp_path / "dist")
    first = publish_app(s3, app_bucket, dist)
    second = publish_app(s3, app_bucket, dist)
    assert second.uploaded == first.uploaded and second.deleted == []


def test_a_dist_without_index_html_is_refused_and_the_bucket_is_left_alone(app_bucket, tmp_path):
    s3 = client("s3")
    s3.put_object(Bucket=app_bucket, Key="index.html", Body=b"the live app")
    dist = _fake_dist(tmp_path / "dist")
    (dist / "index.html").unlink()
    with pytest.raises(FileNotFoundError, match=r"no index\.html"):
        publish_app(s3, app_bucket, dist)
    assert _keys(s3, app_bucket) == {"index.html"}
    assert s3.get_object(Bucket=app_bucket, Key="index.html")["Body"].read() == b"the live app"
