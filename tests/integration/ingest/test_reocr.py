"""Re-OCR after an engine change: only stale texts (never read, read before provenance, read by another
engine or model), chunk by chunk committed so an interrupted run resumes, missing originals skipped."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from imagedrive import storage
from imagedrive.db import transaction
from imagedrive.ingest.pipeline import IngestItem
from imagedrive.ingest.reocr import count_stale, reocr
from imagedrive.storage import ObjectRef
from localcloud.paths import REPO_ROOT
from tests.fixtures import images
from tests.fixtures.ingest import put

TEXTS = ["DOCK 4471", "GATE 9017", "BAY 1234", "PIER 7788"]


def _texts() -> dict[int, tuple[str | None, str | None, str | None]]:
    with transaction() as cur:
        cur.execute("SELECT image_id, text, engine, model FROM ocr_texts ORDER BY image_id")
        return {r["image_id"]: (r["text"], r["engine"], r["model"]) for r in cur.fetchall()}


def _ingest(ingestor, alice) -> list[int]:
    pictures = [images.text_picture(text) for text in TEXTS] + [images.picture(808)]
    outcomes = ingestor.ingest([IngestItem(put(f"uploads/{alice}/o{n}/p.png", data))
                                for n, data in enumerate(pictures)])
    return [o.image_id for o in outcomes]


def _make_stale(ids: list[int]) -> None:
    """Four kinds of stale: another engine, another model of this one, no provenance, never read."""
    with transaction() as cur:
        cur.execute("UPDATE ocr_texts SET engine = 'doctr', model = 'db_resnet50:random', text = 'gibberish'"
                    " WHERE image_id = %s", (ids[0],))
        cur.execute("UPDATE ocr_texts SET model = 'older-weights' WHERE image_id = %s", (ids[1],))
        cur.execute("UPDATE ocr_texts SET engine = NULL, model = NULL, lines = NULL WHERE image_id = %s", (ids[2],))
        cur.execute("DELETE FROM ocr_texts WHERE image_id = %s", (ids[4],))


def test_reocr_reads_only_stale_texts_and_a_second_run_does_nothing(ingestor, alice, models):
    ids = _ingest(ingestor, alice)
    current = (models.ocr.engine, models.ocr.model)
    _make_stale(ids)
    assert count_stale(*current) == 4

    assert reocr(models.ocr, chunk_size=3) == {"read": 3, "no_text": 1}
    after = _texts()
    assert [after[i] for i in ids] == [(text, *current) for text in TEXTS] + [(None, *current)]
    assert reocr(models.ocr) == {}, "nothing is stale any more"


def test_an_interrupted_run_resumes_where_it_stopped(ingestor, alice, models):
    ids = _ingest(ingestor, alice)
    _make_stale(ids)
    assert reocr(models.ocr, chunk_size=1, limit=2) == {"read": 2}, "stopped after two chunks"
    assert count_stale(models.ocr.engine, models.ocr.model) == 2
    assert reocr(models.ocr, chunk_size=1) == {"read": 1, "no_text": 1}
    assert [_texts()[i][0] for i in ids] == [*TEXTS, None]


def test_a_missing_original_is_audited_and_the_rest_is_read(ingestor, alice, models):
    ids = _ingest(ingestor, alice)
    _make_stale(ids)
    with transaction() as cur:
        cur.execute("SELECT uri FROM images WHERE id = %s", (ids[0],))
        storage.s3_objects().delete(ObjectRef.from_uri(cur.fetchone()["uri"]))

    assert reocr(models.ocr) == {"failed": 1, "read": 2, "no_text": 1}
    assert _texts()[ids[0]][0] == "gibberish", "left as it was"
    with transaction() as cur:
        cur.execute("SELECT target_id, details FROM audit_logs WHERE action = 'ocr_failed'")
        (row,) = cur.fetchall()
    assert row["target_id"] == str(ids[0]) and row["details"]["reason"].startswith("original_missing")


def test_the_command_prints_what_it_did(ingestor, alice, models):
    ids = _ingest(ingestor, alice)
    _make_stale(ids)
    done = subprocess.run([sys.executable, "-m", "imagedrive", "reocr", "--chunk-size", "2"], cwd=REPO_ROOT,
                          env=dict(os.environ), capture_output=True, text=True, timeout=300, check=True)
    assert json.loads(done.stdout.splitlines()[-1]) == {"read": 3, "no_text": 1}
    assert "reocr" in done.stderr, "a progress bar"
