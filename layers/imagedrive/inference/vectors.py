"""Vector hygiene shared by every embedding path."""

from __future__ import annotations

import numpy as np

EPSILON = 1e-8
ZERO_NORM = 1e-6  # a raw embedding this short carries no direction: treat it as a failure


def l2_normalise(rows: np.ndarray) -> np.ndarray:
    """Row-wise vec / (‖vec‖ + ε) in float32, as the spec writes every stored vector."""
    rows = rows.astype(np.float32, copy=False)
    normalised: np.ndarray = rows / (np.linalg.norm(rows, axis=-1, keepdims=True) + EPSILON)
    return normalised
