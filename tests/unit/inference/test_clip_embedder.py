"""ClipEmbedder over small random-init exports: shapes, norms, determinism, routing, precision."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from imagedrive.inference.clip import ClipEmbedder
from imagedrive.inference.language import has_non_ascii_letters
from imagedrive.settings import get_settings
from model_export import fixtures

IMAGES = fixtures.images()


def assert_unit_vector(vector: np.ndarray) -> None:
    assert vector.shape == (512,)
    assert vector.dtype == np.float32
    assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5


@pytest.mark.parametrize("name", list(IMAGES))
def test_embed_image_is_a_unit_float32_512_vector(clip_embedder: ClipEmbedder, name: str):
    assert_unit_vector(clip_embedder.embed_image(IMAGES[name]))


@pytest.mark.parametrize("text", fixtures.TEXTS)
def test_embed_text_is_a_unit_float32_512_vector(clip_embedder: ClipEmbedder, text: str):
    assert_unit_vector(clip_embedder.embed_text(text))


def test_embeddings_are_deterministic(clip_embedder: ClipEmbedder):
    image = IMAGES["shapes"]
    assert np.array_equal(clip_embedder.embed_image(image), clip_embedder.embed_image(image))
    assert np.array_equal(clip_embedder.embed_text("一只猫"), clip_embedder.embed_text("一只猫"))


def test_different_inputs_give_different_vectors(clip_embedder: ClipEmbedder):
    first, second = (clip_embedder.embed_image(IMAGES[name]) for name in ("shapes", "gradient"))
    assert float(first @ second) < 0.9999


def test_images_in_one_call_equal_images_one_by_one(clip_embedder: ClipEmbedder):
    images = list(IMAGES.values())
    together = clip_embedder.embed_images(images)
    alone = np.stack([clip_embedder.embed_image(image) for image in images])
    assert np.abs(together - alone).max() < 1e-5


def test_path_bytes_and_image_inputs_agree(clip_embedder: ClipEmbedder, tmp_path):
    path = tmp_path / "shapes.png"
    IMAGES["shapes"].save(path)
    from_image = clip_embedder.embed_image(Image.open(path))
    assert np.array_equal(clip_embedder.embed_image(path), from_image)
    assert np.array_equal(clip_embedder.embed_image(path.read_bytes()), from_image)


def test_auto_routing_sends_non_english_text_to_the_multilingual_tower(clip_embedder: ClipEmbedder):
    assert clip_embedder.text_tower_for("一只橙色的猫在床上睡觉") is clip_embedder.multilingual
    assert clip_embedder.text_tower_for("Кошка") is clip_embedder.multilingual
    assert clip_embedder.text_tower_for("an orange cat sleeping on a bed") is clip_embedder.text
    assert clip_embedder.text_tower_for("3:45pm!!! 🐱") is clip_embedder.text


def test_multilingual_routing_sends_every_query_to_the_multilingual_tower(model_root):
    embedder = ClipEmbedder(
        model_root / "clip", model_root / "clip-multilingual", precision="fp32", routing="multilingual"
    )
    assert embedder.text_tower_for("an orange cat") is embedder.multilingual
    english_tower = embedder.text.embed(["an orange cat"])[0]
    assert float(embedder.embed_text("an orange cat") @ (english_tower / np.linalg.norm(english_tower))) < 0.999


def test_without_a_multilingual_folder_all_text_uses_clip(model_root):
    embedder = ClipEmbedder(model_root / "clip", precision="fp32")
    assert embedder.text_tower_for("一只猫") is embedder.text
    assert_unit_vector(embedder.embed_text("一只猫"))


def test_unknown_routing_is_rejected(model_root):
    with pytest.raises(ValueError, match="routing"):
        ClipEmbedder(model_root / "clip", routing="french")  # type: ignore[arg-type]


def test_non_ascii_letter_detection():
    assert has_non_ascii_letters("café")
    assert not has_non_ascii_letters("cafe © 2026 — ½ 🐱")


def test_precision_is_part_of_the_model_version_and_int8_stays_close(model_root, monkeypatch):
    monkeypatch.delenv("IMAGEDRIVE_CLIP_PRECISION", raising=False)
    default = ClipEmbedder(model_root / "clip")
    fp32 = ClipEmbedder(model_root / "clip", precision="fp32")
    assert default.precision == "int8" and default.model_version.endswith(":int8")
    assert fp32.model_version == "clip-vit-b32-small:random-seed0:fp32"
    image = IMAGES["shapes"]
    assert float(default.embed_image(image) @ fp32.embed_image(image)) > 0.99


def test_precision_comes_from_the_environment(model_root, monkeypatch):
    monkeypatch.setenv("IMAGEDRIVE_CLIP_PRECISION", "fp32")
    get_settings.cache_clear()  # read through settings, like every other variable
    try:
        assert ClipEmbedder(model_root / "clip").model_version.endswith(":fp32")
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
