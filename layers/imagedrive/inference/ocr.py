"""Text in images with doctr models exported to ONNX, run by onnxtr (onnxruntime, no torch)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from onnxtr.models import detection, ocr_predictor, recognition
from onnxtr.models.engine import EngineConfig
from onnxtr.models.predictor import OCRPredictor
from PIL import ImageStat

from imagedrive.imaging import ImageSource, decode_image
from imagedrive.inference.manifest import Manifest, load_manifest
from imagedrive.inference.sessions import session_options

# Below this grey-level standard deviation a page is one flat colour: no legible text, so the models
# (about half a second) are skipped.
BLANK_PAGE_STDDEV = 2.0
_predictors: dict[Path, OCRPredictor] = {}
_lock = threading.Lock()

Box = tuple[float, float, float, float]  # xmin, ymin, xmax, ymax relative to the image (0..1)


class OcrWord(NamedTuple):
    value: str
    confidence: float
    box: Box


@dataclass(frozen=True)
class OcrResult:
    text: str | None  # one line per text line, in reading order; None when nothing was read
    words: list[OcrWord]
    mean_confidence: float | None


class OcrEngine:
    """doctr detection + recognition over a model folder exported by `python -m model_export doctr`."""

    def __init__(self, model_dir: str | Path, *, threads: int | None = None) -> None:
        self.manifest = load_manifest(model_dir, kind="doctr")
        self.model_version = self.manifest.model_version()
        self.predictor = _shared_predictor(self.manifest, threads)

    def read(self, image: ImageSource) -> OcrResult:
        rgb = decode_image(image)
        if ImageStat.Stat(rgb.convert("L")).stddev[0] < BLANK_PAGE_STDDEV:
            return OcrResult(None, [], None)
        page = self.predictor([np.asarray(rgb)]).pages[0]
        lines: list[str] = []
        words: list[OcrWord] = []
        for block in page.blocks:
            for line in block.lines:
                kept = [word for word in line.words if word.value.strip()]
                words.extend(OcrWord(w.value, float(w.confidence), _flat_box(w.geometry)) for w in kept)
                if kept:
                    lines.append(" ".join(word.value for word in kept))
        mean = float(np.mean([word.confidence for word in words])) if words else None
        return OcrResult("\n".join(lines) if lines else None, words, mean)

    def extract_text_from_image_path(self, path: str | Path) -> str | None:
        return self.read(path).text


def _shared_predictor(manifest: Manifest, threads: int | None) -> OCRPredictor:
    # onnxtr owns its InferenceSessions, so the predictor itself is what is shared per process.
    with _lock:
        predictor = _predictors.get(manifest.directory)
        if predictor is None:
            predictor = _build_predictor(manifest, threads)
            _predictors[manifest.directory] = predictor
    return predictor


def _build_predictor(manifest: Manifest, threads: int | None) -> OCRPredictor:
    engine = EngineConfig(providers=["CPUExecutionProvider"], session_options=session_options(threads))
    detector_spec: dict[str, Any] = manifest.data["detection"]
    recognizer_spec: dict[str, Any] = manifest.data["recognition"]
    detector = getattr(detection, detector_spec["arch"])(str(manifest.model_file("detection")), engine_cfg=engine)
    recognizer = getattr(recognition, recognizer_spec["arch"])(
        str(manifest.model_file("recognition")), engine_cfg=engine, vocab=recognizer_spec["vocab"]
    )
    return ocr_predictor(det_arch=detector, reco_arch=recognizer, assume_straight_pages=True)


def _flat_box(geometry: Any) -> Box:
    (xmin, ymin), (xmax, ymax) = geometry
    return (float(xmin), float(ymin), float(xmax), float(ymax))
