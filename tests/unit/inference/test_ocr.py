"""OcrEngine over doctr models exported with seeded random weights.

Random weights read gibberish, so these tests pin the plumbing (decoding, result shape, blank
pages, sharing); string parity with doctr's own predictor is tested in tests/unit/model_export.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from imagedrive.imaging import NotAnImage
from imagedrive.inference.ocr import OcrEngine, OcrResult
from model_export import fixtures

PAGE = fixtures.ocr_pages()["two_lines"]


@pytest.fixture(scope="module")
def ocr(model_root) -> OcrEngine:
    return OcrEngine(model_root / "doctr")


@pytest.mark.parametrize("colour", ["white", "black", (200, 180, 40)])
def test_a_blank_image_has_no_text(ocr: OcrEngine, colour, tmp_path):
    path = tmp_path / "blank.png"
    Image.new("RGB", (640, 480), colour).save(path)
    assert ocr.read(path) == OcrResult(None, [], None)
    assert ocr.extract_text_from_image_path(path) is None


def test_a_page_gives_words_with_confidence_and_relative_boxes(ocr: OcrEngine):
    result = ocr.read(PAGE)
    assert result.text is not None and result.words
    assert result.text.split("\n")[0].startswith(result.words[0].value)
    for value, confidence, (xmin, ymin, xmax, ymax) in result.words:
        assert value.strip()
        assert 0.0 <= confidence <= 1.0
        assert 0.0 <= xmin < xmax <= 1.0 and 0.0 <= ymin < ymax <= 1.0
    assert result.mean_confidence == pytest.approx(sum(w.confidence for w in result.words) / len(result.words))


def test_path_and_image_give_the_same_result(ocr: OcrEngine, tmp_path):
    path = tmp_path / "page.png"
    PAGE.save(path)
    assert ocr.extract_text_from_image_path(path) == ocr.read(PAGE).text


def test_an_exif_rotated_photo_is_read_upright(ocr: OcrEngine):
    stored = PAGE.rotate(90, expand=True)  # as a phone held sideways stores it
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    buffer = io.BytesIO()
    stored.save(buffer, format="JPEG", exif=exif, quality=95)
    upright = io.BytesIO()
    PAGE.save(upright, format="JPEG", quality=95)
    assert ocr.read(buffer.getvalue()).words == ocr.read(upright.getvalue()).words


def test_not_an_image_raises_the_decoder_error(ocr: OcrEngine):
    with pytest.raises(NotAnImage):
        ocr.read(b"plain text")


def test_engines_share_one_predictor_per_model_folder(ocr: OcrEngine, model_root):
    assert OcrEngine(model_root / "doctr").predictor is ocr.predictor
