"""embed_batch: the spec's batch convention, including its fallbacks, over a real exported model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from imagedrive.inference.batch import embed_batch
from imagedrive.inference.clip import ClipEmbedder
from model_export import fixtures


@pytest.fixture(scope="module")
def image_paths(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("batch")
    paths = []
    for name, image in fixtures.images().items():
        paths.append(folder / f"{name}.png")
        image.save(paths[-1])
    return paths


@pytest.fixture(scope="module")
def bad_paths(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("bad")
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "notes.jpg").write_text("not an image")
    return [folder / "empty.jpg", folder / "notes.jpg", folder / "missing.jpg"]


@pytest.mark.parametrize("batch_size", [1, 2, 32])
def test_batch_equals_single(clip_embedder: ClipEmbedder, image_paths, batch_size):
    result = clip_embedder.embed_batch(image_paths, batch_size=batch_size)
    assert not result.failures and result.succeeded == len(image_paths)
    single = np.stack([clip_embedder.embed_image(path) for path in image_paths])
    assert np.abs(result.matrix() - single).max() < 1e-5
    assert result.matrix().dtype == np.float32
    assert len(result.micro_batch_ms) == -(-len(image_paths) // batch_size)
    assert result.elapsed_ms > 0 and result.mean_norm > 0 and result.zero_vectors == 0


def test_bad_files_are_reported_and_the_rest_embedded(clip_embedder: ClipEmbedder, image_paths, bad_paths):
    mixed = [bad_paths[0], image_paths[0], bad_paths[1], image_paths[1], bad_paths[2]]
    result = clip_embedder.embed_batch(mixed, batch_size=2)
    assert [(f.index, f.reason) for f in result.failures] == [
        (0, "not_an_image"),
        (2, "not_an_image"),
        (4, "unreadable_file"),
    ]
    assert [v is None for v in result.vectors] == [True, False, True, False, True]
    assert np.isnan(result.matrix()[0]).all()
    assert np.allclose(result.vectors[1], clip_embedder.embed_image(image_paths[0]), atol=1e-5)


@pytest.mark.parametrize(
    "broken_answer",
    [lambda rows: None, lambda rows: rows[:-1], lambda rows: rows[:, :100]],
    ids=["none", "too-few-rows", "wrong-width"],
)
def test_a_broken_batch_answer_falls_back_to_single_images(clip_embedder, image_paths, broken_answer):
    calls: list[int] = []

    def embed_many(images):
        calls.append(len(images))
        rows = clip_embedder.vision.embed(images)
        return broken_answer(rows) if len(images) > 1 else rows

    result = embed_batch(image_paths, embed_many, batch_size=len(image_paths))
    assert calls == [len(image_paths)] + [1] * len(image_paths)
    assert not result.failures
    assert np.abs(result.matrix() - clip_embedder.embed_images(list(fixtures.images().values()))).max() < 1e-5


def test_single_images_that_keep_failing_are_reported_after_two_attempts(clip_embedder, image_paths):
    attempts: list[int] = []

    def embed_many(images):
        attempts.append(len(images))
        if len(images) == 1 and np.asarray(images[0]).shape[:2] == (1, 1):
            raise RuntimeError("simulated model failure on the 1x1 image")
        return clip_embedder.vision.embed(images) if len(images) == 1 else None

    result = embed_batch(image_paths, embed_many, batch_size=8)
    one_pixel = [i for i, p in enumerate(image_paths) if p.stem == "one_pixel"]
    assert [(f.index, f.reason) for f in result.failures] == [(one_pixel[0], "model_error")]
    assert attempts.count(1) == len(image_paths) - 1 + 2


def test_all_zero_vectors_are_detected_and_retried(clip_embedder, image_paths):
    def zeros_in_batches(images):
        rows = clip_embedder.vision.embed(images)
        return np.zeros_like(rows) if len(images) > 1 else rows

    result = embed_batch(image_paths, zeros_in_batches, batch_size=len(image_paths))
    assert result.zero_vectors == len(image_paths)
    assert not result.failures and result.mean_norm > 0

    always_zero = embed_batch(image_paths[:2], lambda images: np.zeros((len(images), 512), np.float32))
    assert [f.reason for f in always_zero.failures] == ["zero_vector", "zero_vector"]
    assert always_zero.mean_norm == 0.0


def test_decoded_images_and_bytes_are_accepted_like_paths(clip_embedder: ClipEmbedder, image_paths):
    from_paths = clip_embedder.embed_batch(image_paths).matrix()
    images = [Image.open(path) for path in image_paths]
    assert np.array_equal(clip_embedder.embed_batch(images).matrix(), from_paths)
    assert np.array_equal(clip_embedder.embed_batch([p.read_bytes() for p in image_paths]).matrix(), from_paths)
    failed = clip_embedder.embed_batch([b"", Image.new("RGB", (3, 3))])
    assert [(f.index, f.source, f.reason) for f in failed.failures] == [(0, "<0 bytes>", "not_an_image")]
