"""OCR with doctr models exported to ONNX, run by onnxtr (onnxruntime, no torch).

Selectable with IMAGEDRIVE_OCR_ENGINE=doctr where doctr's real weights could be exported; the
exporter's random-init weights read gibberish.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
from onnxtr.models import detection, ocr_predictor, recognition
from onnxtr.models.engine import EngineConfig
from onnxtr.models.predictor import OCRPredictor

from imagedrive.imaging import ImageSource, decode_image
from imagedrive.inference.manifest import Manifest, load_manifest
from imagedrive.inference.ocr import Box, OcrLine, OcrResult, is_blank
from imagedrive.inference.sessions import session_options
from imagedrive.telemetry import tracer

ENGINE = "doctr"
_predictors: dict[Path, OCRPredictor] = {}
_lock = threading.Lock()


class DoctrReader:
    """doctr detection + recognition over a model folder exported by `python -m model_export doctr`."""

    engine = ENGINE
    parallel = 1  # one set of sessions, used by one picture at a time

    def __init__(self, model_dir: str | Path, *, threads: int | None = None) -> None:
        self.manifest = load_manifest(model_dir, kind="doctr")
        self.model = self.manifest.model_version()
        self.predictor = _shared_predictor(self.manifest, threads)

    @tracer.capture_method
    @tracer.capture_method
    def read(self, image: ImageSource) -> OcrResult:
        rgb = decode_image(image)
        if is_blank(rgb):
            return OcrResult(ENGINE, self.model)
        page = self.predictor([np.asarray(rgb)]).pages[0]
        lines: list[OcrLine] = []
        for block in page.blocks:
            for line in block.lines:
                kept = [word for word in line.words if word.value.strip()]
                if kept:
                    confidence = float(np.mean([word.confidence for word in kept]))
                    lines.append(OcrLine(" ".join(word.value for word in kept), confidence, _flat_box(line.geometry)))
        return OcrResult(ENGINE, self.model, lines)


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
