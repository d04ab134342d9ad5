"""Text in images: what every OCR engine returns, and the one factory that picks the engine.

The engine is IMAGEDRIVE_OCR_ENGINE: `rapidocr` (PP-OCRv4, Chinese + English, weights inside the
`rapidocr-onnxruntime` wheel, so it works offline on any model root) or `doctr` (our ONNX export
under the model root; real weights only where doctr's model store was reachable). Each result
names its engine and model, so the text stored with an image says what read it and a later
engine change re-reads only what is stale (`python -m imagedrive reocr`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from PIL import Image, ImageStat

if TYPE_CHECKING:
    from imagedrive.ingest.pipeline import TextReader

# Below this grey-level standard deviation a page is one flat colour: no legible text, so the
# models (hundreds of milliseconds) are skipped.
BLANK_PAGE_STDDEV = 2.0

Box = tuple[float, float, float, float]  # xmin, ymin, xmax, ymax relative to the image (0..1)


class OcrLine(NamedTuple):
    text: str
    confidence: float
    box: Box


@dataclass(frozen=True)
class OcrResult:
    engine: str  # "rapidocr", "doctr"
    model: str  # the engine's model identity (weights' digest): a different one means "stale"
    lines: list[OcrLine] = field(default_factory=list)  # reading order

    @property
    def text(self) -> str | None:
        """One line per text line; None when nothing was read."""
        return "\n".join(line.text for line in self.lines) or None

    @property
    def mean_confidence(self) -> float | None:
        """Mean over lines, weighted by their length in characters."""
        weight = sum(len(line.text) for line in self.lines)
        if not weight:
            return None
        return sum(line.confidence * len(line.text) for line in self.lines) / weight

    def lines_json(self) -> list[dict[str, Any]]:
        return [{"text": t, "confidence": c, "box": [round(v, 4) for v in b]} for t, c, b in self.lines]

    @classmethod
    def from_json(cls, engine: str, model: str, lines: list[dict[str, Any]]) -> OcrResult:
        return cls(engine, model, [OcrLine(li["text"], li["confidence"], tuple(li["box"])) for li in lines])


def read_pages(reader: TextReader, pages: Sequence[Image.Image]) -> OcrResult:
    """Every page of a document (a multi-page TIFF) in order, as one result; boxes stay relative to their page."""
    results = [reader.read(page) for page in pages]
    return OcrResult(results[0].engine, results[0].model, [line for result in results for line in result.lines])


def is_blank(image: Image.Image) -> bool:
    return ImageStat.Stat(image.convert("L")).stddev[0] < BLANK_PAGE_STDDEV


def open_text_reader(doctr_dir: Path | None = None, *, threads: int | None = None) -> TextReader:
    """The configured engine. `doctr_dir` is the model root's doctr folder, needed only by doctr."""
    from imagedrive.settings import get_settings

    engine = get_settings().ocr_engine
    if engine == "doctr":
        if doctr_dir is None:
            from imagedrive.inference.manifest import ManifestError

            raise ManifestError("IMAGEDRIVE_OCR_ENGINE=doctr, but the model root has no doctr export; "
                                "run `python -m model_export ensure` or use IMAGEDRIVE_OCR_ENGINE=rapidocr")
        from imagedrive.inference.ocr_doctr import DoctrReader  # onnxtr takes ~1 s to import: only here

        return DoctrReader(doctr_dir, threads=threads)
    from imagedrive.inference.ocr_rapid import RapidOcrReader

    return RapidOcrReader(threads=threads)
