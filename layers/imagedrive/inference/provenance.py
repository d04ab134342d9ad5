"""Which models the drive runs, where their weights came from, and whether their results mean anything.

Read from the manifests alone (no ONNX session, no onnxruntime import), so /health, the run command
and every search response can say it cheaply. A user must never get random results without being told.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from imagedrive.inference.manifest import ManifestError, find_model_dirs, load_manifest

RANDOM_INIT = "random-init"
MISSING = "missing"
GET_REAL_WEIGHTS = (
    "run `./dev up` (or `python -m model_export.hub --out <model root>`) where huggingface.co or the "
    "HF_ENDPOINT mirror is reachable; README, section Models"
)


@dataclass(frozen=True)
class ModelProvenance:
    name: str  # "clip", "clip-multilingual", "ocr"
    source: str  # "random-init", "export:<checkpoint>", "hub:<repo>@<revision>", "rapidocr-onnxruntime==…", "missing"
    model_version: str | None = None
    error: str | None = None  # why the model could not be described

    @property
    def meaningful(self) -> bool:
        return self.source not in (RANDOM_INIT, MISSING)

    def as_dict(self) -> dict[str, Any]:
        described = {"source": self.source, "meaningful": self.meaningful, "degraded": not self.meaningful,
                     "model_version": self.model_version}
        return described | ({"error": self.error} if self.error else {})


def describe_models(model_root: Path, *, precision: str, ocr_engine: str) -> list[ModelProvenance]:
    """CLIP, the multilingual text tower (when present) and the configured OCR engine."""
    try:
        dirs = find_model_dirs(model_root)
    except (ManifestError, OSError, ValueError) as error:
        return [ModelProvenance("clip", MISSING, error=f"{type(error).__name__}: {error}"[:300])]
    models = [_from_folder("clip", dirs.get("clip"), precision, model_root)]
    if "clip-multilingual" in dirs:
        models.append(_from_folder("clip-multilingual", dirs["clip-multilingual"], precision, model_root))
    if ocr_engine == "doctr":
        models.append(_from_folder("ocr", dirs.get("doctr"), "fp32", model_root))
    else:
        models.append(ModelProvenance("ocr", rapidocr_source(), rapidocr_source()))
    return models


def rapidocr_source() -> str:
    """RapidOCR's weights ship inside its wheel: the wheel's version names them."""
    try:
        return f"rapidocr-onnxruntime=={version('rapidocr-onnxruntime')} PP-OCRv4"
    except PackageNotFoundError:
        return MISSING


def clip_warning(clip_source: str, multilingual_source: str | None = None) -> str | None:
    """The words every CLIP search carries when its ranking means nothing (None when it does)."""
    random = [name for name, source in (("CLIP", clip_source), ("the multilingual text tower", multilingual_source))
              if source == RANDOM_INIT]
    if not random:
        return None
    return (f"{' and '.join(random)} {'run' if len(random) > 1 else 'runs'} on random-init weights, so "
            f"picture search ranks images at random (text-in-picture search is unaffected). "
            f"To get real weights, {GET_REAL_WEIGHTS}.")


def models_warning(models: list[ModelProvenance]) -> str | None:
    """One sentence naming every model without meaningful weights, and how to fix it."""
    by_name = {model.name: model.source for model in models}
    if "clip" in by_name and by_name["clip"] != MISSING:
        words = clip_warning(by_name["clip"], by_name.get("clip-multilingual"))
    else:
        words = f"no CLIP model is installed, so picture search cannot run. To install one, {GET_REAL_WEIGHTS}."
    if by_name.get("ocr") in (RANDOM_INIT, MISSING):
        words = (words + " " if words else "") + "OCR has no real weights: text in pictures is not read."
    return words


def _from_folder(name: str, folder: Path | None, precision: str, model_root: Path) -> ModelProvenance:
    if folder is None:
        return ModelProvenance(name, MISSING, error=f"no {name} model under {model_root}")
    try:
        manifest = load_manifest(folder)
        chosen = precision if precision in manifest.precisions else manifest.precisions[0]
        return ModelProvenance(name, manifest.provenance, manifest.model_version(chosen))
    except (ManifestError, OSError, ValueError, KeyError) as error:
        return ModelProvenance(name, MISSING, error=f"{type(error).__name__}: {error}"[:300])
