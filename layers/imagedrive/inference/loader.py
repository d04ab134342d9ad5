"""Finds and loads every model under one root folder by the manifests it holds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from imagedrive.inference.clip import ClipEmbedder
from imagedrive.inference.language import TextRouting
from imagedrive.inference.manifest import ManifestError, find_model_dirs
from imagedrive.settings import get_settings

if TYPE_CHECKING:
    from imagedrive.ingest.pipeline import TextReader


@dataclass(frozen=True)
class LoadedModels:
    clip: ClipEmbedder
    ocr: TextReader  # IMAGEDRIVE_OCR_ENGINE's reader (imagedrive.inference.ocr.open_text_reader)


def load_models(
    model_root: str | Path | None = None,
    *,
    precision: str | None = None,
    routing: TextRouting | None = None,
    threads: int | None = None,
) -> LoadedModels:
    """Load the models under `model_root` (default: IMAGEDRIVE_MODEL_ROOT); CLIP is required."""
    root = Path(model_root) if model_root is not None else get_settings().model_root
    dirs = find_model_dirs(root)
    if "clip" not in dirs:
        raise ManifestError(f"no CLIP model under {root}; run `python -m model_export ensure --out {root}`")
    clip = ClipEmbedder(
        dirs["clip"], dirs.get("clip-multilingual"), precision=precision, routing=routing, threads=threads
    )
    from imagedrive.inference.ocr import open_text_reader

    return LoadedModels(clip, open_text_reader(dirs.get("doctr"), threads=threads))
