"""The ingestion path against real S3 (LocalStack), Postgres and random-init ONNX models."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from imagedrive import storage
from imagedrive.db import transaction
from imagedrive.indexing.scope import shared_owner
from imagedrive.ingest.pipeline import IngestItem, Ingestor, Status
from tests.fixtures import images
from tests.fixtures.ingest import exists, image_rows, put


def _one(ingestor: Ingestor, ref):
    (outcome,) = ingestor.ingest([IngestItem(ref)])
    return outcome


def _vector(image_id: int) -> np.ndarray:
    with transaction() as cur:
        cur.execute("SELECT vec, dim, normalized, model_version FROM embeddings WHERE image_id = %s", (image_id,))
        row = cur.fetchone()
    assert row is not None, "no embedding stored"
    vector = np.frombuffer(bytes(row["vec"]), dtype="<f4")
    assert len(vector) == row["dim"] and row["normalized"]
    return vector


def _ocr(image_id: int):
    with transaction() as cur:
        cur.execute("SELECT text, confidence FROM ocr_texts WHERE image_id = %s", (image_id,))
        return cur.fetchone()


def test_an_upload_reaches_ready_with_a_unit_vector_a_thumbnail_and_its_ocr(ingestor, alice, models):
    data = images.text_page("INVOICE 2024\nTotal 12.50 EUR")
    outcome = _one(ingestor, put(f"uploads/{alice}/u1/scan.png", data))

    assert outcome.status is Status.READY, outcome.reason
    (row,) = image_rows(alice)
    assert (row["status"], row["w"], row["h"], row["mime"], row["size"]) == ("READY", 800, 400, "image/png", len(data))
    assert row["ready_at"] is not None and row["error"] is None
    assert abs(np.linalg.norm(_vector(row["id"])) - 1) < 1e-5
    thumbnail = Image.open(io.BytesIO(storage.s3_objects().read_bytes(storage.thumbnail_ref(alice, row["id"]))))
    assert max(thumbnail.size) == 320 and thumbnail.size[0] > thumbnail.size[1]
    # Exactly what the OCR engine reads is stored; nothing when it reads nothing.
    expected = models.ocr.read(Image.open(io.BytesIO(data)).convert("RGB")).text
    stored = _ocr(row["id"])
    assert (stored["text"] if stored else None) == expected


def test_a_textless_image_gets_an_ocr_row_without_text(ingestor, alice, models):
    data = images.blank()
    assert models.ocr.read(Image.open(io.BytesIO(data)).convert("RGB")).text is None, "the blank page reads empty"
    outcome = _one(ingestor, put(f"uploads/{alice}/u2/blank.png", data))
    assert outcome.status is Status.READY
    assert _ocr(outcome.image_id) == {"text": None, "confidence": None}, "OCR looked (its engine is recorded)"


def test_a_thumbnail_is_upright_for_an_exif_rotated_photo(ingestor, alice):
    image = Image.open(io.BytesIO(images.picture(5, size=(400, 200))))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise when shown
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    outcome = _one(ingestor, put(f"uploads/{alice}/u3/phone.jpg", out.getvalue()))
    (row,) = image_rows(alice)
    assert (row["w"], row["h"]) == (200, 400)
    thumbnail = Image.open(io.BytesIO(storage.s3_objects().read_bytes(storage.thumbnail_ref(alice, outcome.image_id))))
    assert thumbnail.size[1] > thumbnail.size[0]


def test_the_same_bytes_twice_give_one_row_and_a_redelivery_does_nothing(ingestor, alice, counting_embedder):
    data = images.picture(7)
    first_ref = put(f"uploads/{alice}/a/one.jpg", data)
    first = _one(ingestor, first_ref)
    embedded = counting_embedder.images_embedded

    redelivered = _one(ingestor, first_ref)
    second_ref = put(f"uploads/{alice}/b/again.jpg", data)
    again = _one(ingestor, second_ref)

    assert (redelivered.status, again.status) == (Status.DUPLICATE, Status.DUPLICATE)
    assert redelivered.image_id == again.image_id == first.image_id
    assert len(image_rows(alice)) == 1
    assert counting_embedder.images_embedded == embedded, "no second inference"
    assert exists(first_ref) and not exists(second_ref), "the duplicate object is not left orphaned"


def test_another_owners_same_bytes_get_their_own_row_without_a_second_inference(
    ingestor, alice, bob, counting_embedder
):
    data = images.text_page("RE16 XYZ")
    first = _one(ingestor, put(f"uploads/{alice}/a/plate.png", data))
    embedded = counting_embedder.images_embedded
    second = _one(ingestor, put(f"uploads/{bob}/b/plate.png", data))

    assert first.status is second.status is Status.READY
    assert first.image_id != second.image_id
    assert counting_embedder.images_embedded == embedded
    assert first.inferred and not second.inferred
    np.testing.assert_array_equal(_vector(first.image_id), _vector(second.image_id))
    assert _ocr(first.image_id) == _ocr(second.image_id)


BAD_INPUTS = {
    "zero bytes": (b"", "not_an_image"),
    "text named .jpg": (b"hello, I am not a picture\n" * 20, "not_an_image"),
    "truncated": (images.truncated_jpeg(), "corrupt_image"),
    "corrupt": (images.corrupt_jpeg(), "corrupt_image"),
    "30000x30000 bomb": (images.png_bomb(), "image_too_large"),
}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_input_ends_failed_with_a_reason_and_the_original_quarantined(ingestor, alice, name):
    data, code = BAD_INPUTS[name]
    ref = put(f"uploads/{alice}/x/{name}.jpg", data)
    outcome = _one(ingestor, ref)

    assert outcome.status is Status.FAILED
    (row,) = image_rows(alice)
    assert row["status"] == "FAILED" and row["error"].startswith(code), row["error"]
    kept = storage.quarantine_ref(ref)
    assert row["uri"] == kept.uri
    assert storage.s3_objects().read_bytes(kept) == data, "the original is kept"
    assert not exists(ref)
    with transaction() as cur:
        cur.execute("SELECT count(*) AS n FROM embeddings")
        assert cur.fetchone()["n"] == 0, "no half rows"
        cur.execute("SELECT details FROM audit_logs WHERE action = 'ingest_failed' AND user_id = %s", (alice,))
        assert cur.fetchone()["details"]["reason"] == row["error"]
    assert _one(ingestor, ref).status is Status.SKIPPED, "a redelivered event is acknowledged, not retried"


def test_an_oversize_object_is_refused(ingestor, alice, cloud):
    small_limit = Ingestor(ingestor.embedder, None, cloud.model_copy(update={"max_upload_bytes": 1000}))
    outcome = _one(small_limit, put(f"uploads/{alice}/x/big.jpg", images.picture(3)))
    assert outcome.status is Status.FAILED and outcome.reason.startswith("too_large")


@pytest.mark.parametrize(
    "filename",
    ["one pixel.png", "a b%.png", "收据 2024 ✓.png", "100%+plus.png"],
    ids=["space", "percent", "unicode", "plus"],
)
def test_odd_but_valid_uploads_reach_ready_with_their_names(ingestor, alice, filename):
    data = images.one_pixel() if filename.startswith("one") else images.picture(len(filename), fmt="PNG")
    outcome = _one(ingestor, put(f"uploads/{alice}/y/{filename}", data))
    assert outcome.status is Status.READY, outcome.reason
    (row,) = image_rows(alice)
    assert row["filename"] == filename


def test_an_object_nobody_owns_is_quarantined_and_acknowledged(ingestor):
    ref = put("uploads/987654/z/who.jpg", images.picture(4))
    outcome = _one(ingestor, ref)
    assert outcome.status is Status.SKIPPED
    assert image_rows() == []
    assert exists(storage.quarantine_ref(ref)) and not exists(ref)


def test_the_drop_folder_decides_owner_visibility_and_category(ingestor, alice):
    system_ref = put("drop/system/receipts/r1.jpg", images.picture(11))
    user_ref = put("drop/alice/cats/c1.jpg", images.picture(12))
    outcomes = ingestor.ingest([IngestItem(system_ref), IngestItem(user_ref)])
    assert [o.status for o in outcomes] == [Status.READY, Status.READY]
    with transaction() as cur:
        cur.execute(
            """SELECT i.visibility, u.username, c.name, c.owner_id, ic.source
               FROM images i JOIN users u ON u.id = i.owner_id
               JOIN image_categories ic ON ic.image_id = i.id JOIN categories c ON c.id = ic.category_id
               WHERE ic.source = 'manual' ORDER BY u.username"""
        )
        rows = cur.fetchall()
    assert [(r["username"], r["visibility"], r["name"], r["owner_id"]) for r in rows] == [
        ("alice", "private", "cats", alice), ("system", "system", "receipts", None)
    ]


def test_ready_marks_the_affected_indexes_stale(ingestor, alice, bob):
    _one(ingestor, put(f"uploads/{alice}/p/private.jpg", images.picture(21)))
    with transaction() as cur:
        cur.execute("SELECT user_id FROM user_index_state WHERE stale_since IS NOT NULL ORDER BY 1")
        assert [r["user_id"] for r in cur.fetchall()] == [alice]
    _one(ingestor, put("drop/system/x/public.jpg", images.picture(22)))
    with transaction() as cur:
        cur.execute("SELECT user_id FROM user_index_state WHERE stale_since IS NOT NULL ORDER BY 1")
        stale = [r["user_id"] for r in cur.fetchall()]
        assert stale == sorted([alice, shared_owner(cur)]), "a system image stales the shared index, not bob's"
