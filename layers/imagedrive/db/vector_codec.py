"""The one encoding of a vector in Postgres (`embeddings.vec bytea`): little-endian float32, no header.

The index builder reads the same bytes straight out of a binary COPY stream (indexing/vectors.py), so
this is the only place that decides the layout.
"""

from __future__ import annotations

import numpy as np

DTYPE = np.dtype("<f4")


def encode(vector: np.ndarray) -> bytes:
    return np.ascontiguousarray(vector, dtype=DTYPE).tobytes()


def decode(data: bytes | memoryview) -> np.ndarray:
    """A float32 vector that owns its memory (a psycopg2 memoryview does not outlive the cursor)."""
    return np.frombuffer(bytes(data), dtype=DTYPE).astype(np.float32)
