"""Clustered synthetic CLIP-like vectors for the search benchmarks.

Uniform random unit vectors have no neighbourhood structure (every point is about equally far from every
other), so no partitioned index (IVF, HNSW) can beat a scan on them and its recall means nothing. An image
library has themes: these vectors are drawn around 3,000 random centres on the sphere (von-Mises-like:
cosine to the centre about 0.78, between two members about 0.6), with a common direction as CLIP embeddings
have; queries are new draws from the same mixture, so they land near the data.
"""

from __future__ import annotations

import numpy as np

DIM = 512


def clustered(rng: np.random.Generator, n: int, clusters: int = 3000, spread: float = 0.8) -> np.ndarray:
    themes = np.random.default_rng(12345)
    common = themes.standard_normal(DIM).astype(np.float32)
    common /= np.linalg.norm(common)
    centres = themes.standard_normal((clusters, DIM)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    centres += 0.8 * common
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    out = np.empty((n, DIM), np.float32)
    for start in range(0, n, 100_000):  # in slices: the noise of 1M draws at once is 4 GB of float64
        m = min(100_000, n - start)
        block = centres[rng.integers(0, clusters, m)] + spread * rng.standard_normal((m, DIM), np.float32) / DIM**0.5
        out[start:start + m] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out
