"""Calibration and held-out images for static int8: the sample library, rendered in memory.

`sample_data.generate` draws the twelve categories `./dev up` imports (receipts, documents, posters,
landscapes…), so activation ranges are measured on the kind of pictures the drive holds, through the
runtime's own preprocessing. The container builds copy `sample_data/` next to `model_export/` for this.
"""

from __future__ import annotations

import random

import numpy as np
from PIL import Image

from imagedrive.inference.clip_preprocess import ClipPreprocessing
from model_export.manifest_specs import preprocessing

CALIBRATION_SEED = 7  # the sample library's own seed: the images `./dev up` imports
HELD_OUT_SEED = 8  # other drawings of the same categories, never calibrated on
PER_CATEGORY = 5


def sample_images(seed: int = CALIBRATION_SEED, per_category: int = PER_CATEGORY) -> list[Image.Image]:
    """per_category drawings of each sample category, as `sample_data.generate` renders them."""
    from sample_data.generate import RENDERERS

    return [
        render(random.Random(f"{seed}:{category}:{n}"))  # noqa: S311 -- drawings, as sample_data seeds them
        for category, render in RENDERERS.items()
        for n in range(per_category)
    ]


def sample_pixels(seed: int = CALIBRATION_SEED, per_category: int = PER_CATEGORY) -> np.ndarray:
    """float32 [n, 3, 224, 224]: the sample images through CLIP's runtime preprocessing."""
    return ClipPreprocessing.from_manifest(preprocessing()).pixels(sample_images(seed, per_category))
