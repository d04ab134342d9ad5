"""The OCR readers: RapidOCR on its real PP-OCRv4 weights (reads real text, so the assertions are
exact), doctr's plumbing on random-init weights (it reads gibberish), and the engine factory."""

from __future__ import annotations

import io
import itertools
import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from PIL import Image

from imagedrive.imaging import NotAnImage
from imagedrive.inference import ocr_rapid
from imagedrive.inference.manifest import ManifestError
from imagedrive.inference.ocr import OcrResult, open_text_reader
from imagedrive.inference.ocr_doctr import DoctrReader
from imagedrive.inference.ocr_rapid import DETECTOR, RapidOcrReader, _shared_engines, cut_tiles, working_scale
from imagedrive.settings import get_settings
from tests.fixtures import images


@pytest.fixture(scope="module")
def rapid() -> RapidOcrReader:
    return RapidOcrReader(threads=2)


@pytest.mark.parametrize(("text", "cjk"), [("CAR RE16 XK", False), ("北京市海淀区中关村大街1号", True)])
def test_english_and_chinese_are_read_exactly(rapid, text, cjk):
    result = rapid.read(images.text_picture(text, cjk=cjk))
    assert result.text == text
    assert result.engine == "rapidocr" and result.model.startswith("ch_PP-OCRv4_det+")
    (line,) = result.lines
    assert line.confidence > 0.9 and result.mean_confidence == pytest.approx(line.confidence)
    xmin, ymin, xmax, ymax = line.box
    assert 0.0 < xmin < xmax < 1.0 and 0.0 < ymin < ymax < 1.0


def test_a_transparent_png_is_read_on_white(rapid):
    assert rapid.read(images.text_picture("CLEAR RE16", transparent=True)).text == "CLEAR RE16"


def test_an_exif_rotated_photo_is_read_upright(rapid):
    stored = Image.open(io.BytesIO(images.text_picture("INVOICE4711"))).rotate(90, expand=True)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    out = io.BytesIO()
    stored.save(out, format="JPEG", exif=exif, quality=95)
    assert rapid.read(out.getvalue()).text == "INVOICE4711"


@pytest.mark.parametrize("angle", [30, 180])
def test_turned_text_is_read(rapid, angle):
    assert rapid.read(images.text_picture("ROTATED 4711", angle=angle)).text == "ROTATED 4711"


def test_small_text_on_a_photo_is_read(rapid):
    picture = images.text_picture("PHOTO RE16", size=20, photo_seed=3, canvas=(640, 480), colour="white")
    assert rapid.read(picture).text == "PHOTO RE16"


@pytest.mark.parametrize("colour", ["white", "black", (200, 180, 40)])
def test_a_blank_image_has_no_text(rapid, colour):
    result = rapid.read(Image.new("RGB", (640, 480), colour))
    assert result == OcrResult("rapidocr", rapid.model) and result.text is None and result.mean_confidence is None


def test_a_photo_without_text_reads_nothing(rapid):
    assert rapid.read(images.picture(11)).text is None


def test_not_an_image_raises_the_decoder_error(rapid):
    with pytest.raises(NotAnImage):
        rapid.read(b"plain text")


def test_a_panorama_is_read_in_tiles_at_a_bounded_size(rapid):
    pano = Image.new("RGB", (12000, 700), (235, 235, 245))
    words = ["ALPHA", "BRAVO", "CHARLIE", "DELTA", "ECHO", "FOXTROT", "GOLF", "HOTEL"]
    for n, word in enumerate(words):  # every 1500 px: some words lie across a tile's edge
        pano.paste(Image.open(io.BytesIO(images.text_picture(word, size=56))), (200 + 1450 * n, 250))
    assert rapid.read(pano).text.split() == words


def test_working_size_bounds_the_long_side_and_keeps_panoramas_legible():
    assert working_scale(800, 600) == 1.0
    assert working_scale(6000, 4000) * 6000 == pytest.approx(ocr_rapid.WORKING_SIDE)
    pano = working_scale(12000, 1000)
    assert pano * 1000 == pytest.approx(ocr_rapid.PANORAMA_SHORT_SIDE)
    tiles = cut_tiles(np.zeros((round(1000 * pano), round(12000 * pano), 3), np.uint8))
    assert 1 < len(tiles) <= ocr_rapid.MAX_TILES
    assert all(t.pixels.shape[1] == ocr_rapid.WORKING_SIDE for t in tiles)
    # Owned spans cover the whole strip once: every line centre belongs to exactly one tile.
    assert tiles[0].own[0] == -np.inf and tiles[-1].own[1] == np.inf
    assert all(a.own[1] == b.own[0] for a, b in itertools.pairwise(tiles))
    longest = working_scale(100000, 700)  # too long for MAX_TILES at full legibility: shrunk instead
    assert len(cut_tiles(np.zeros((round(700 * longest), round(100000 * longest), 3), np.uint8))) <= ocr_rapid.MAX_TILES


def test_readers_share_their_engines_one_per_core_and_read_pictures_in_parallel(rapid):
    again = RapidOcrReader(threads=2)
    assert again.parallel == 2 and again._idle is rapid._idle is _shared_engines(2, DETECTOR)[0], \
        "one idle queue per process: two readers never share an engine at once"
    pictures = [images.text_picture(word) for word in ("ALPHA", "BRAVO", "CHARLIE", "DELTA")]
    with ThreadPoolExecutor(max_workers=4) as pool:  # more callers than engines: they wait for one
        read = list(pool.map(again.read, pictures))
    assert [result.text for result in read] == ["ALPHA", "BRAVO", "CHARLIE", "DELTA"]


def test_doctr_reads_lines_with_confidence_and_boxes(model_root):
    reader = DoctrReader(model_root / "doctr")
    result = reader.read(images.text_picture("TWO LINES\nOF TEXT"))
    assert result.engine == "doctr" and result.model == reader.model
    assert result.text is not None and result.text == "\n".join(line.text for line in result.lines)
    for text, confidence, (xmin, ymin, xmax, ymax) in result.lines:
        assert text.strip() and 0.0 <= confidence <= 1.0
        assert 0.0 <= xmin < xmax <= 1.0 and 0.0 <= ymin < ymax <= 1.0
    assert reader.read(Image.new("RGB", (64, 64), "white")).lines == []
    assert DoctrReader(model_root / "doctr").predictor is reader.predictor


def test_the_factory_picks_the_configured_engine(model_root, monkeypatch):
    assert isinstance(open_text_reader(None), RapidOcrReader), "rapidocr needs no model folder"
    monkeypatch.setenv("IMAGEDRIVE_OCR_ENGINE", "doctr")
    get_settings.cache_clear()
    try:
        assert isinstance(open_text_reader(model_root / "doctr"), DoctrReader)
        with pytest.raises(ManifestError, match="no doctr export"):
            open_text_reader(None)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_a_result_round_trips_through_its_stored_lines(rapid):
    result = rapid.read(images.text_picture("ROUND TRIP\n往返", cjk=True))
    stored = OcrResult.from_json(result.engine, result.model, json.loads(json.dumps(result.lines_json())))
    assert stored.text == result.text == "ROUND TRIP\n往返"
    assert stored.mean_confidence == pytest.approx(result.mean_confidence, abs=1e-4)
