"""The three ONNX towers: CLIP vision, CLIP text, and the multilingual text tower.

Each returns raw (unnormalised) float32 [n, 512] rows; `ClipEmbedder` normalises and checks them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image
from tokenizers import Tokenizer

from imagedrive.inference.clip_preprocess import ClipPreprocessing
from imagedrive.inference.clip_tokenizer import ClipTokenizer
from imagedrive.inference.manifest import Manifest
from imagedrive.inference.sessions import get_session


class ClipVisionTower:
    def __init__(self, manifest: Manifest, precision: str, threads: int | None = None) -> None:
        self.session = get_session(manifest.model_file("vision", precision), threads)
        self.preprocessing = ClipPreprocessing.from_manifest(manifest.data["preprocessing"])

    def embed(self, images: Sequence[Image.Image]) -> np.ndarray:
        embeds: np.ndarray
        (embeds,) = self.session.run(["image_embeds"], {"pixel_values": self.preprocessing.pixels(images)})
        return embeds


class ClipTextTower:
    def __init__(self, manifest: Manifest, precision: str, threads: int | None = None) -> None:
        self.session = get_session(manifest.model_file("text", precision), threads)
        spec = manifest.data["tokenizer"]
        self.tokenizer = ClipTokenizer(
            manifest.verified_path(spec["vocab"]),
            manifest.verified_path(spec["merges"]),
            context_length=spec["context_length"],
            start_id=spec["start_id"],
            end_id=spec["end_id"],
        )
        # Some exports (the hub's) also take an attention mask; the tower is causal and pools at the
        # first end token, so the padding after it changes nothing and an all-ones mask is exact.
        self.takes_mask = "attention_mask" in {i.name for i in self.session.get_inputs()}

    def embed(self, texts: list[str]) -> np.ndarray:
        ids = self.tokenizer.encode_batch(texts)
        feeds = {"input_ids": ids} | ({"attention_mask": np.ones_like(ids)} if self.takes_mask else {})
        embeds: np.ndarray
        (embeds,) = self.session.run(["text_embeds"], feeds)
        return embeds


class MultilingualTextTower:
    """DistilBERT multilingual + mean pooling + a 768→512 projection into CLIP's image space."""

    def __init__(self, manifest: Manifest, precision: str, threads: int | None = None) -> None:
        self.session = get_session(manifest.model_file("text", precision), threads)
        spec = manifest.data["tokenizer"]
        self.tokenizer = Tokenizer.from_file(str(manifest.verified_path(spec["file"])))
        self.tokenizer.enable_truncation(spec["max_length"])
        self.tokenizer.enable_padding(pad_id=spec["pad_id"], pad_token=spec["pad_token"])

    def embed(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        feeds = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
        }
        embeds: np.ndarray
        (embeds,) = self.session.run(["text_embeds"], feeds)
        return embeds
