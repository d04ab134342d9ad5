"""`verify`: our ONNX pipeline against the PyTorch reference pipeline, for every exported model."""

from __future__ import annotations

import numpy as np
import pytest

from imagedrive.inference.clip import ClipEmbedder
from model_export import fixtures
from model_export.verify import int8_agreement, verify


@pytest.mark.parametrize("kind", ["clip", "clip-multilingual", "doctr"])
def test_small_exports_match_the_pytorch_reference(model_root, kind):
    checks = verify(str(model_root / kind))
    assert checks and all(check.passed for check in checks), [c for c in checks if not c.passed]
    if kind != "doctr":
        names = " ".join(check.name for check in checks)
        assert "fp32" in names and "int8" in names and "token ids" in names


@pytest.mark.parametrize("kind", ["clip", "clip-multilingual"])
def test_int8_stays_close_to_fp32(model_root, kind):
    checks = int8_agreement(str(model_root / kind))
    assert all(check.passed for check in checks)


@pytest.mark.slow
def test_full_size_vit_b32_smoke_and_parity(full_clip_root):
    embedder = ClipEmbedder(full_clip_root / "clip", precision="int8")
    batch = embedder.embed_batch([], batch_size=32)
    assert batch.vectors == [] and not batch.failures
    vectors = embedder.embed_images(list(fixtures.images().values()))
    assert vectors.shape == (5, 512) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.vision.session.get_inputs()[0].shape[1:] == [3, 224, 224]
    checks = verify(str(full_clip_root / "clip"))
    assert all(check.passed for check in checks), [c for c in checks if not c.passed]
