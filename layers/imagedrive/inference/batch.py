"""The spec's batch calling convention for image embeddings (CLIP 批处理).

The caller slices its full list into chunks of 256 or 512 images and calls this once per chunk;
`batch_size` is the micro-batch handed to the model. A micro-batch whose result is missing, has the
wrong shape, or raises falls back to single images, each tried at most twice; a row that is
(near) all-zero is retried the same way. What still fails is reported per image, so the caller
records `embedding_failed` and the index build skips it. Images are decoded per micro-batch, so
peak memory follows `batch_size`, not the chunk size.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from imagedrive.imaging import ImageDecodeError, ImageSource, decode_image
from imagedrive.inference.vectors import ZERO_NORM, l2_normalise
from imagedrive.log import logger

SINGLE_IMAGE_ATTEMPTS = 2  # the spec's "降级为单张 embed_image 重试（最多 2 次）"

EmbedMany = Callable[[Sequence[Image.Image]], np.ndarray | None]


@dataclass(frozen=True)
class EmbeddingFailure:
    index: int  # position in the chunk
    source: str  # the path, or a description of an in-memory image
    reason: str  # a stable code: an ImageDecodeError code, "zero_vector" or "model_error"
    detail: str


@dataclass
class BatchEmbedding:
    """One chunk's result; `vectors[i]` is None exactly when `failures` names image i."""

    vectors: list[np.ndarray | None]
    failures: list[EmbeddingFailure] = field(default_factory=list)
    elapsed_ms: float = 0.0
    micro_batch_ms: list[float] = field(default_factory=list)
    mean_norm: float = 0.0  # of the raw model outputs; near 0 means the model is emitting zeros
    zero_vectors: int = 0  # raw outputs that were all-zero, retried or not

    @property
    def succeeded(self) -> int:
        return sum(vector is not None for vector in self.vectors)

    def matrix(self) -> np.ndarray:
        """float32 [n, dim] with NaN rows where embedding failed."""
        dim = next((len(v) for v in self.vectors if v is not None), 0)
        rows = [v if v is not None else np.full(dim, np.nan, np.float32) for v in self.vectors]
        return np.stack(rows) if rows else np.zeros((0, dim), np.float32)


def embed_batch(
    sources: Sequence[ImageSource], embed_many: EmbedMany, *, batch_size: int = 32, dim: int = 512
) -> BatchEmbedding:
    """Embed one chunk of paths (or bytes, or already decoded PIL images) in micro-batches."""
    started = time.perf_counter()
    result = BatchEmbedding(vectors=[None] * len(sources))
    raw_norms: list[float] = []
    for start in range(0, len(sources), batch_size):
        micro_started = time.perf_counter()
        indices, images = _decode(sources, range(start, min(start + batch_size, len(sources))), result)
        rows = _run(embed_many, images, dim) if images else None
        for position, index in enumerate(indices):
            raw = rows[position] if rows is not None else _embed_single(embed_many, images[position], dim)
            if raw is not None and np.linalg.norm(raw) < ZERO_NORM:
                result.zero_vectors += 1
                raw = _embed_single(embed_many, images[position], dim)
            if raw is None:
                reason = "zero_vector" if rows is not None else "model_error"
                result.failures.append(EmbeddingFailure(index, _describe(sources[index]), reason, _FAILED[reason]))
                continue
            raw_norms.append(float(np.linalg.norm(raw)))
            result.vectors[index] = l2_normalise(raw)
        result.micro_batch_ms.append(_ms_since(micro_started))
    result.elapsed_ms = _ms_since(started)
    result.mean_norm = float(np.mean(raw_norms)) if raw_norms else 0.0
    logger.info(
        "embedded chunk",
        extra={
            "images": len(sources),
            "failures": len(result.failures),
            "elapsed_ms": result.elapsed_ms,
            "mean_norm": result.mean_norm,
            "zero_vectors": result.zero_vectors,
        },
    )
    return result


_FAILED = {
    "zero_vector": "the model returned an all-zero vector, also on single-image retries",
    "model_error": "the batch failed and so did every single-image retry",
}


def _decode(
    sources: Sequence[ImageSource], indices: range, result: BatchEmbedding
) -> tuple[list[int], list[Image.Image]]:
    kept: list[int] = []
    images: list[Image.Image] = []
    for index in indices:
        try:
            images.append(decode_image(sources[index]))
            kept.append(index)
        except (ImageDecodeError, OSError) as exc:
            code = exc.code if isinstance(exc, ImageDecodeError) else "unreadable_file"
            result.failures.append(EmbeddingFailure(index, _describe(sources[index]), code, str(exc)))
    return kept, images


def _describe(source: ImageSource) -> str:
    if isinstance(source, Image.Image):
        return f"<in-memory {source.width}x{source.height} image>"
    if isinstance(source, bytes):
        return f"<{len(source)} bytes>"
    return str(source)


def _run(embed_many: EmbedMany, images: Sequence[Image.Image], dim: int) -> np.ndarray | None:
    """The model's rows, or None when it failed or answered with the wrong shape."""
    try:
        rows = embed_many(images)
    except Exception as exc:  # any model failure triggers the single-image fallback
        logger.warning("micro-batch failed, falling back to single images", extra={"error": repr(exc)})
        return None
    if rows is None or np.shape(rows) != (len(images), dim):
        logger.warning("micro-batch returned a wrong shape", extra={"shape": None if rows is None else rows.shape})
        return None
    return rows


def _embed_single(embed_many: EmbedMany, image: Image.Image, dim: int) -> np.ndarray | None:
    for _ in range(SINGLE_IMAGE_ATTEMPTS):
        rows = _run(embed_many, [image], dim)
        if rows is not None and np.linalg.norm(rows[0]) >= ZERO_NORM:
            first: np.ndarray = rows[0]
            return first
    return None


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
