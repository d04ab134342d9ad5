"""Zero-shot auto-categories: the image vector against each category's CLIP text prompt.

A category is kept when its softmax probability over all candidate prompts (CLIP's logit scale,
100) reaches `min_probability` AND its raw cosine reaches `min_cosine`. The probability alone
would always tag something when only one or two categories exist; the cosine floor stops that.
Defaults come from settings and are calibrated on the labelled sample set with
`benchmarks/calibrate_autotag.py` (see the README); random-init models make any value moot.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

CLIP_LOGIT_SCALE = 100.0


class AutoTagger:
    def __init__(self, embed_text: Callable[[str], np.ndarray], *, min_probability: float, min_cosine: float):
        self._embed_text = embed_text
        self._prompt_vectors: dict[str, np.ndarray] = {}  # prompts are few and fixed: embed each once
        self.min_probability = min_probability
        self.min_cosine = min_cosine

    def _vector(self, prompt: str) -> np.ndarray:
        if prompt not in self._prompt_vectors:
            self._prompt_vectors[prompt] = self._embed_text(prompt)
        return self._prompt_vectors[prompt]

    def scores(self, image_vector: np.ndarray, prompts: list[tuple[int, str]]) -> list[tuple[int, float, float]]:
        """(category id, probability, cosine) for every candidate."""
        if not prompts:
            return []
        cosines = np.stack([self._vector(prompt) for _, prompt in prompts]) @ image_vector
        logits = CLIP_LOGIT_SCALE * cosines
        probabilities = np.exp(logits - logits.max())
        probabilities /= probabilities.sum()
        return [(cid, float(p), float(c)) for (cid, _), p, c in zip(prompts, probabilities, cosines, strict=True)]

    def tags(self, image_vector: np.ndarray, prompts: list[tuple[int, str]]) -> list[tuple[int, float]]:
        """The categories to assign, each with its probability as the stored score."""
        return [
            (cid, round(p, 4)) for cid, p, c in self.scores(image_vector, prompts)
            if p >= self.min_probability and c >= self.min_cosine
        ]
