"""The analytics summary and exports (CSV and JSON files in S3, written part by part)."""

import csv
import io
import json

import pytest
import requests

from imagedrive import audit
from imagedrive.db import transaction
from tests.integration.api.conftest import call, insert_image, register_and_login

FORMULAS = ["=HYPERLINK(\"http://evil\")", "+1+1", "-2+3", "@SUM(A1:A9)", "\tTAB", "\rCR"]
UNICODE = ["写真 ☃ été.jpg", "фото 📷.png", "a,b \"quoted\".jpg"]


def _search(user_id, kind, latency_ms, results):
    with transaction() as cur:
        cur.execute("INSERT INTO search_events (user_id, kind, latency_ms, result_count) VALUES (%s, %s, %s, %s)",
                    (user_id, kind, latency_ms, results))


def test_summary_counts_images_searches_latency_and_failures_of_the_callers_scope(http):
    alice, bob = register_and_login(http, "alice"), register_and_login(http, "bob")
    first = insert_image(alice.id, "a.jpg", size=10)
    insert_image(alice.id, "b.png", size=20, mime="image/png", visibility="public")
    failed = insert_image(alice.id, "c.jpg", size=30, status="FAILED")
    insert_image(bob.id, "bob.jpg", size=1000)
    with transaction() as cur:
        cur.execute("INSERT INTO categories (name) VALUES ('animals') RETURNING id")
        cur.execute("INSERT INTO image_categories (image_id, category_id, source) VALUES (%s, %s, 'manual')",
                    (first, cur.fetchone()["id"]))
        audit.record(cur, "ingest_failed", user_id=alice.id, target_id=failed, reason="broken")
    for latency, results in ((10, 3), (20, 0), (30, 5), (40, 0)):
        _search(alice.id, "text", latency, results)
    _search(bob.id, "ocr", 999, 0)

    body = call(http, "GET", "/analytics/summary?days=7", token=alice.token).json_body
    assert (body["scope"], body["images_total"], body["storage_bytes"]) == ("own", 3, 60)
    assert body["by_status"] == {"READY": 2, "FAILED": 1}
    assert body["by_visibility"] == {"private": 2, "public": 1}
    assert body["by_format"] == {"image/jpeg": 2, "image/png": 1}
    assert [(c["name"], c["count"]) for c in body["by_category"]] == [("animals", 1)]
    assert sum(day["count"] for day in body["uploads_per_day"]) == 3
    searches = body["searches"]
    assert searches["total"] == 4 and searches["zero_result_rate"] == 0.5
    assert searches["p50_latency_ms"] == 25 and searches["p95_latency_ms"] == pytest.approx(38.5)
    assert [(d["kind"], d["count"]) for d in searches["per_day"]] == [("text", 4)]
    failures = body["ingest_failures"]
    assert failures["failed_images"] == 1 and failures["events"] == {"ingest_failed": 1}
    assert failures["recent"][0]["error"] == "broken"

    admin = register_and_login(http, "root", role="admin")
    everything = call(http, "GET", "/analytics/summary", token=admin.token).json_body
    assert everything["scope"] == "all" and everything["images_total"] == 4
    assert everything["searches"]["total"] == 5


def _download(job):
    assert job["status"] == "done", job
    fetched = requests.get(job["download_url"], timeout=30)
    assert fetched.status_code == 200
    return fetched


def test_csv_export_neutralises_formulas_and_round_trips_unicode_filenames(http):
    alice = register_and_login(http, "alice")
    names = FORMULAS + UNICODE
    ids = [insert_image(alice.id, name) for name in names]
    with transaction() as cur:
        cur.execute("INSERT INTO ocr_texts (image_id, text) VALUES (%s, '=1+2 总计, 合计')", (ids[-1],))
    response = call(http, "GET", "/analytics/export.csv", token=alice.token)
    assert response.status_code == 200
    fetched = _download(response.json_body)
    assert "attachment" in fetched.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(fetched.content.decode("utf-8-sig"), newline="")))
    by_id = {int(row["id"]): row for row in rows}
    assert set(by_id) == set(ids)
    for image_id, name in zip(ids, names, strict=True):
        exported = by_id[image_id]["filename"]
        if name in FORMULAS:
            assert exported == "'" + name
        else:
            assert exported == name
    assert by_id[ids[-1]]["ocr_text"] == "'=1+2 总计, 合计"
    assert all(not row[column].startswith(("=", "+", "-", "@", "\t", "\r"))
               for row in rows for column in row)


def test_json_export_keeps_raw_values(http):
    alice = register_and_login(http, "alice")
    ids = [insert_image(alice.id, name) for name in UNICODE + FORMULAS[:1]]
    job = call(http, "GET", "/analytics/export.json", token=alice.token).json_body
    exported = json.loads(_download(job).content)
    assert sorted(row["id"] for row in exported) == sorted(ids)
    assert {row["filename"] for row in exported} == set(UNICODE + FORMULAS[:1])


def test_an_empty_library_exports_a_header_or_an_empty_array(http):
    alice = register_and_login(http, "alice")
    csv_job = call(http, "GET", "/analytics/export.csv", token=alice.token).json_body
    assert _download(csv_job).content.decode("utf-8-sig").startswith("id,owner,filename")
    json_job = call(http, "GET", "/analytics/export.json", token=alice.token).json_body
    assert json.loads(_download(json_job).content) == []


def test_a_large_export_is_written_in_parts_with_progress_visible_while_polling(http, configure):
    alice = register_and_login(http, "alice")
    with transaction() as cur:  # ~11 MB of CSV: at least three 5 MiB parts
        cur.execute(
            """INSERT INTO images (owner_id, uri, filename, checksum, size, status, ready_at, mime)
               SELECT %s, 's3://bucket/key' || g, repeat('写', 100) || g || '.jpg', md5(g::text) || md5('x' || g),
                      g, 'READY', now(), 'image/jpeg'
               FROM generate_series(1, 30000) AS g""",
            (alice.id,),
        )
    started = call(http, "POST", "/analytics/exports", body={"format": "csv"}, token=alice.token)
    assert started.status_code == 202
    job = started.json_body
    assert (job["status"], job["rows_written"], job["total_rows"]) == ("running", 0, 30000)
    insert_image(alice.id, "arrived during the export.jpg")  # not part of the snapshot
    progress = []
    for _ in range(20):
        job = call(http, "GET", f"/analytics/exports/{job['id']}", token=alice.token).json_body
        progress.append(job["rows_written"])
        if job["status"] != "running":
            break
    assert len(progress) >= 3 and progress == sorted(progress) and 0 < progress[0] < 30000
    rows = list(csv.DictReader(io.StringIO(_download(job).content.decode("utf-8-sig"), newline="")))
    assert len(rows) == 30000 and len({row["id"] for row in rows}) == 30000

    configure(export_sync_budget_s=0)
    unfinished = call(http, "GET", "/analytics/export.json", token=alice.token)
    assert unfinished.status_code == 202 and unfinished.json_body["download_url"] is None


def test_export_jobs_are_private_to_their_creator(http):
    alice, bob = register_and_login(http, "alice"), register_and_login(http, "bob")
    job = call(http, "POST", "/analytics/exports", body={"format": "json"}, token=alice.token).json_body
    assert call(http, "GET", f"/analytics/exports/{job['id']}", token=bob.token).status_code == 404
    assert call(http, "GET", "/analytics/exports/not-a-uuid", token=alice.token).status_code == 404
