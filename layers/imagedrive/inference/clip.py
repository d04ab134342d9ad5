"""CLIP embeddings for images and queries: float32[512], L2-normalised, torch-free."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

import numpy as np
from PIL import Image

from imagedrive.imaging import ImageSource, decode_image
from imagedrive.inference.batch import BatchEmbedding, embed_batch
from imagedrive.inference.language import ROUTINGS, TextRouting, wants_multilingual
from imagedrive.inference.manifest import load_manifest
from imagedrive.inference.provenance import clip_warning
from imagedrive.inference.towers import ClipTextTower, ClipVisionTower, MultilingualTextTower
from imagedrive.inference.vectors import l2_normalise
from imagedrive.settings import get_settings
from imagedrive.telemetry import tracer


class ClipEmbedder:
    """Images and text into the shared CLIP ViT-B/32 space.

    precision: "int8" (~2x faster, cosine ≥ 0.99 to fp32) or "fp32"; default: settings' clip_precision
    (IMAGEDRIVE_CLIP_PRECISION, int8). It is part of `model_version`, stored with every embedding, so vectors of
    different precisions are never mixed in one index.
    routing: which text tower a query uses, see `imagedrive.inference.language`; default: settings'
    text_routing (IMAGEDRIVE_TEXT_ROUTING, "auto").
    """

    def __init__(
        self,
        clip_dir: str | Path,
        multilingual_dir: str | Path | None = None,
        *,
        precision: str | None = None,
        routing: TextRouting | None = None,
        threads: int | None = None,
    ) -> None:
        self.manifest = load_manifest(clip_dir, kind="clip")
        settings = get_settings()
        self.precision = precision or settings.clip_precision
        self.routing = routing or settings.text_routing
        if self.routing not in ROUTINGS:
            raise ValueError(f"text routing must be one of {ROUTINGS}, not {self.routing!r}")
        self.model_version = self.manifest.model_version(self.precision)
        self.dim: int = self.manifest.data["dims"]["embedding"]
        self.vision = ClipVisionTower(self.manifest, self.precision, threads)
        self._threads = threads
        multilingual = load_manifest(multilingual_dir, kind="clip-multilingual") if multilingual_dir else None
        self._multilingual_manifest = multilingual
        # Said with every search when the weights are random-init (imagedrive.inference.provenance).
        self.model_warning = clip_warning(self.manifest.provenance, multilingual.provenance if multilingual else None)

    def embed_image(self, image: ImageSource) -> np.ndarray:
        vector: np.ndarray = self.embed_images([decode_image(image)])[0]
        return vector

    def embed_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        """float32 [n, 512] for already decoded RGB images, in one model call."""
        return l2_normalise(self.vision.embed(images))

    @tracer.capture_method
    @tracer.capture_method
    def embed_batch(self, image_paths: Sequence[ImageSource], batch_size: int = 32) -> BatchEmbedding:
        """One chunk of the spec's batch import (paths, bytes or PIL images); see `inference.batch`."""
        return embed_batch(image_paths, self.vision.embed, batch_size=batch_size, dim=self.dim)

    @tracer.capture_method
    @tracer.capture_method
    def embed_text(self, text: str) -> np.ndarray:
        vector: np.ndarray = l2_normalise(self.text_tower_for(text).embed([text]))[0]
        return vector

    # The text towers load on first use: the ingest process needs only the vision tower (and the text
    # tower once, for the category prompts), which keeps ~500 MB of weights out of its memory.
    @cached_property
    def text(self) -> ClipTextTower:
        return ClipTextTower(self.manifest, self.precision, self._threads)

    @cached_property
    def multilingual(self) -> MultilingualTextTower | None:
        manifest = self._multilingual_manifest
        return MultilingualTextTower(manifest, self.precision, self._threads) if manifest else None

    def text_tower_for(self, text: str) -> ClipTextTower | MultilingualTextTower:
        if self._multilingual_manifest is not None and wants_multilingual(text, self.routing):
            return self.multilingual  # type: ignore[return-value]
        return self.text
