"""CLIP's image preprocessing in numpy and Pillow, step for step as HF CLIPImageProcessor does it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

_RESAMPLE = {"bicubic": Image.Resampling.BICUBIC, "bilinear": Image.Resampling.BILINEAR}


@dataclass(frozen=True)
class ClipPreprocessing:
    image_size: int
    resample: Image.Resampling
    mean: np.ndarray  # [3, 1, 1]
    std: np.ndarray

    @classmethod
    def from_manifest(cls, spec: dict[str, Any]) -> ClipPreprocessing:
        return cls(
            image_size=spec["image_size"],
            resample=_RESAMPLE[spec["resample"]],
            mean=np.array(spec["mean"], dtype=np.float32).reshape(3, 1, 1),
            std=np.array(spec["std"], dtype=np.float32).reshape(3, 1, 1),
        )

    def pixels(self, images: Sequence[Image.Image]) -> np.ndarray:
        """float32 [n, 3, size, size] from RGB images."""
        return np.stack([self._one(image) for image in images])

    def _one(self, image: Image.Image) -> np.ndarray:
        size = self.image_size
        width, height = image.size
        # Shortest side to `size`, the other scaled and truncated like HF's get_resize_output_image_size.
        short, long = sorted((width, height))
        scaled = (size, int(size * long / short))
        new_size = scaled if width <= height else scaled[::-1]
        resized = image.resize(new_size, self.resample)
        left = (resized.width - size) // 2
        top = (resized.height - size) // 2
        cropped = resized.crop((left, top, left + size, top + size))
        chw = np.asarray(cropped, dtype=np.float32).transpose(2, 0, 1) / 255.0
        normalised: np.ndarray = (chw - self.mean) / self.std
        return normalised
