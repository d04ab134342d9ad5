"""OCR with RapidOCR: PP-OCRv4 detection + recognition (Chinese and English) and the direction
classifier, ONNX files shipped inside the `rapidocr-onnxruntime` wheel, so it reads real text on a
machine that never reached a model hub.

The picture is read at a bounded working size: its long side at most WORKING_SIDE, so a 24 MP
photo costs what a 2 MP one does. A panorama or a long screenshot would lose its text that way,
so it is cut along its long side into overlapping tiles instead, each line kept by the tile that
owns its centre. The sizes and thresholds come from `benchmarks/quality.py` (see README).
"""

from __future__ import annotations

import hashlib
import math
import queue
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image

from imagedrive.imaging import ImageSource, decode_image
from imagedrive.inference.ocr import OcrLine, OcrResult, is_blank
from imagedrive.inference.sessions import resolve_threads
from imagedrive.telemetry import tracer

ENGINE = "rapidocr"
# Long side of the picture (or each tile) that text is found in and read from. Small text on
# 4000x3000 photos (quality.py):
# character accuracy 0.788 at 1024, 0.999 at 1600, 0.982 at 2400 (2.4x slower than 1600).
WORKING_SIDE = 1600
# Long side the text detector sees (lines are always read from the working-size picture). On the
# 200-image set: character accuracy 0.933 at 960 (0.679 for small text on large photos), 0.988 at
# 1280, 0.997 at 1600; finding the text is what search needs, so the detector gets the working size.
DETECT_SIDE = WORKING_SIDE
PANORAMA_SHORT_SIDE = 640  # a panorama's short side is kept at least this (or as it is)
MAX_TILES = 8  # beyond this a panorama is shrunk further rather than cut into more tiles
TILE_OVERLAP = 0.25  # of a tile's length: a word cut at one tile's edge is whole in the next
# Detector settings (RapidOCR's names). "max": the detector sees the working-size picture as it is
# (RapidOCR 1.4.4 then picks 960/1500/2000 by size and never enlarges); its default, "min" 736,
# enlarges every short side to 736 px. Measured on 200 generated EN+ZH pictures (quality.py):
# character accuracy 0.997 at 605 ms/image with "max" against 0.959 at 1258 ms with "min" 736.
DETECTOR = {"det_limit_type": "max", "det_thresh": 0.3, "det_box_thresh": 0.5, "det_unclip_ratio": 1.6}
MIN_LINE_SCORE = 0.5  # recognised lines below this confidence are dropped (mostly texture read as text)

_engines: dict[tuple[Any, ...], tuple[queue.SimpleQueue[Any], int, str]] = {}
_lock = threading.Lock()  # guards _engines


@dataclass(frozen=True)
class Tile:
    pixels: np.ndarray  # BGR, as RapidOCR expects
    x0: int  # where the tile starts in the working-size picture
    y0: int
    own: tuple[float, float]  # the span along the long axis whose line centres this tile keeps


class RapidOcrReader:
    engine = ENGINE

    def __init__(
        self, *, threads: int | None = None, working_side: int = WORKING_SIDE, detect_side: int = DETECT_SIDE,
        detector: dict[str, Any] | None = None,
    ) -> None:
        """The sizes and `detector` (RapidOCR's det_* options) are for tuning (benchmarks/quality.py).

        RapidOCR keeps per-call state on its instance, so each concurrent reader needs its own: one engine
        of one thread per core, handed out by a queue, reads as many pictures at once (a batch's pictures
        in parallel threads; ONNX Runtime releases the GIL), which keeps both cores busier than one engine
        of two threads that synchronise on every operator."""
        self.working_side, self.detect_side = working_side, detect_side
        # The idle queue is the process's, not this reader's: two readers never use one engine at once.
        self._idle, self.parallel, self.model = _shared_engines(resolve_threads(threads),
                                                                {**DETECTOR, **(detector or {})})
        # Pictures read, and those in which the detector found text to recognise (benchmarks/ingest.py).
        self.pictures_read = self.pictures_recognised = 0
        self._count = threading.Lock()

    @tracer.capture_method
    def read(self, image: ImageSource) -> OcrResult:
        rgb = decode_image(image)
        if is_blank(rgb):
            with self._count:
                self.pictures_read += 1
            return OcrResult(ENGINE, self.model)
        scale = working_scale(rgb.width, rgb.height, self.working_side)
        working = rgb if scale == 1.0 else rgb.resize(
            (max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale))), Image.Resampling.LANCZOS)
        tiles = cut_tiles(np.asarray(working)[:, :, ::-1], self.working_side)
        horizontal = working.width >= working.height
        lines: list[tuple[float, float, OcrLine]] = []
        found = [self._read_tile(tile.pixels) for tile in tiles]
        with self._count:
            self.pictures_read += 1
            self.pictures_recognised += any(found)
        for tile, tile_lines in zip(tiles, found, strict=True):
            for points, text, score in tile_lines:
                text = text.strip()
                if not text or float(score) < MIN_LINE_SCORE:
                    continue
                xs = [float(p[0]) + tile.x0 for p in points]
                ys = [float(p[1]) + tile.y0 for p in points]
                centre = (min(xs) + max(xs)) / 2 if horizontal else (min(ys) + max(ys)) / 2
                if not tile.own[0] <= centre < tile.own[1]:
                    continue
                box = (min(xs) / working.width, min(ys) / working.height,
                       max(xs) / working.width, max(ys) / working.height)
                lines.append((min(ys), max(ys), OcrLine(text, float(score), _clamp(box))))
        return OcrResult(ENGINE, self.model, _reading_order(lines))

    def _read_tile(self, pixels: np.ndarray) -> list[tuple[np.ndarray, str, float]]:
        """RapidOCR's own steps, except that the detector sees the tile shrunk to `detect_side`
        while lines are cut from the tile itself: finding text needs fewer pixels than reading it."""
        ocr = self._idle.get()
        try:
            return self._read_with(ocr, pixels)
        finally:
            self._idle.put(ocr)

    def _read_with(self, ocr: Any, pixels: np.ndarray) -> list[tuple[np.ndarray, str, float]]:
        shrink = min(1.0, self.detect_side / max(pixels.shape[:2]))
        small = pixels if shrink == 1.0 else cv2.resize(
            pixels, (max(1, round(pixels.shape[1] * shrink)), max(1, round(pixels.shape[0] * shrink))),
            interpolation=cv2.INTER_AREA)
        boxes, _ = ocr.auto_text_det(small)
        if not boxes:  # no text found: nothing to classify or recognise
            return []
        boxes = [np.asarray(box, dtype=np.float32) / shrink for box in boxes]
        crops, _, _ = ocr.text_cls(ocr.get_crop_img_list(pixels, boxes))
        texts, _ = ocr.text_rec(crops)
        return [(box, text, score) for box, (text, score) in zip(boxes, texts, strict=True)]


def working_scale(width: int, height: int, side: int = WORKING_SIDE) -> float:
    """How much the picture is shrunk before the detector sees it (never enlarged here)."""
    long, short = max(width, height), min(width, height)
    scale = min(1.0, side / long)
    if short * scale >= min(short, PANORAMA_SHORT_SIDE):
        return scale
    # A panorama: keep its short side legible, in at most MAX_TILES tiles.
    step = side * (1 - TILE_OVERLAP)
    most = (MAX_TILES * step + side * TILE_OVERLAP) / long
    return min(1.0, max(scale, min(PANORAMA_SHORT_SIDE / short, most)))


def cut_tiles(pixels: np.ndarray, side: int = WORKING_SIDE) -> list[Tile]:
    """Overlapping tiles of at most `side` along the long axis; one tile when it fits."""
    height, width = pixels.shape[:2]
    length = max(width, height)
    if length <= side:
        return [Tile(pixels, 0, 0, (-math.inf, math.inf))]
    overlap = int(side * TILE_OVERLAP)
    count = math.ceil((length - overlap) / (side - overlap))
    step = (length - side) / (count - 1)
    tiles = []
    for i in range(count):
        start = round(i * step)
        # Neighbours split their overlap in the middle, so each line centre has exactly one owner.
        own_start = -math.inf if i == 0 else i * step + (side - step) / 2
        own_end = math.inf if i == count - 1 else (i + 1) * step + (side - step) / 2
        if width >= height:
            tiles.append(Tile(pixels[:, start:start + side], start, 0, (own_start, own_end)))
        else:
            tiles.append(Tile(pixels[start:start + side], 0, start, (own_start, own_end)))
    return tiles


def _reading_order(lines: list[tuple[float, float, OcrLine]]) -> list[OcrLine]:
    """Rows top to bottom, each one line read left to right: the detector often boxes the words of
    one line apart (and tiles cut lines), and a line should read as it is printed."""
    rows: list[list[tuple[float, float, OcrLine]]] = []
    for line in sorted(lines, key=lambda li: (li[0] + li[1]) / 2):
        top, bottom = line[0], line[1]
        if rows:
            row_top = min(li[0] for li in rows[-1])
            row_bottom = max(li[1] for li in rows[-1])
            if min(bottom, row_bottom) - max(top, row_top) >= (bottom - top) / 2:
                rows[-1].append(line)
                continue
        rows.append([line])
    return [_joined([li[2] for li in sorted(row, key=lambda li: li[2].box[0])]) for row in rows]


def _joined(parts: list[OcrLine]) -> OcrLine:
    if len(parts) == 1:
        return parts[0]
    weight = sum(len(p.text) for p in parts)
    boxes = [p.box for p in parts]
    return OcrLine(" ".join(p.text for p in parts), sum(p.confidence * len(p.text) for p in parts) / weight,
                   (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
                    max(b[3] for b in boxes)))


def _clamp(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    return tuple(min(1.0, max(0.0, v)) for v in box)  # type: ignore[return-value]


def _shared_engines(count: int, detector: dict[str, Any]) -> tuple[queue.SimpleQueue[Any], int, str]:
    """`count` RapidOCR instances (three ONNX sessions of one thread each) per process and detector
    settings, in the queue readers take an idle one from, their number and their model identity."""
    import rapidocr_onnxruntime  # imports cv2: only when OCR is wanted

    key = (count, tuple(sorted(detector.items())))
    with _lock:
        entry = _engines.get(key)
        if entry is None:
            idle: queue.SimpleQueue[Any] = queue.SimpleQueue()
            for _ in range(count):
                idle.put(rapidocr_onnxruntime.RapidOCR(
                    intra_op_num_threads=1, inter_op_num_threads=1, text_score=MIN_LINE_SCORE,
                    # Our tiles are the working size; RapidOCR's own resizing stays out of the way.
                    max_side_len=100_000, **detector,
                ))
            entry = _engines[key] = (idle, count,
                                     _model_identity(Path(rapidocr_onnxruntime.__file__).parent / "models"))
    return entry


def _model_identity(folder: Path) -> str:
    """The wheel's model files by name plus a digest of their bytes: new weights, new identity."""
    files = sorted(folder.glob("*.onnx"))
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.read_bytes())
    return f"{'+'.join(path.stem.removesuffix('_infer') for path in files)}@{digest.hexdigest()[:12]}"
