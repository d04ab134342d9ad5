"""Loading: manifests, checksums, the model-root loader, shared sessions, and no torch at run time."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from imagedrive.inference.clip import ClipEmbedder
from imagedrive.inference.loader import find_model_dirs, load_models
from imagedrive.inference.manifest import ManifestError, file_sha256, load_manifest
from imagedrive.inference.sessions import resolve_threads

REPO_ROOT = Path(__file__).resolve().parents[3]


def test_the_runtime_imports_neither_torch_nor_transformers(model_root, tmp_path):
    page = tmp_path / "page.png"
    Image.new("RGB", (300, 200), "white").save(page)
    probe = (
        "import sys\n"
        "from imagedrive.inference.loader import load_models\n"
        f"models = load_models({str(model_root)!r}, precision='fp32')\n"
        f"models.clip.embed_text('一只猫'); models.clip.embed_image({str(page)!r}); models.ocr.read({str(page)!r})\n"
        "print(sorted(m for m in ('torch', 'torchvision', 'transformers') if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT / "layers"), str(REPO_ROOT)])}
    output = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True)
    assert output.stdout.strip().splitlines()[-1] == "[]"


def test_load_models_finds_every_folder_by_its_manifest(model_root):
    assert set(find_model_dirs(model_root)) == {"clip", "clip-multilingual", "doctr"}
    models = load_models(model_root, precision="fp32")
    assert models.clip.multilingual is not None and models.ocr is not None
    assert models.clip.model_version == "clip-vit-b32-small:random-seed0:fp32"


def test_load_models_without_clip_says_how_to_export(tmp_path):
    with pytest.raises(ManifestError, match="model_export ensure"):
        load_models(tmp_path)


def test_every_file_matches_its_manifest_checksum(model_root):
    for kind in ("clip", "clip-multilingual", "doctr"):
        manifest = load_manifest(model_root / kind)
        files = sorted(p.name for p in manifest.directory.iterdir() if p.name != "manifest.json")
        assert sorted(manifest.data["files"]) == files
        for name, digest in manifest.data["files"].items():
            assert file_sha256(manifest.directory / name) == digest


def test_a_tampered_model_file_is_refused(model_root, tmp_path):
    copy = tmp_path / "clip"
    shutil.copytree(model_root / "clip", copy)
    with (copy / "text.onnx").open("r+b") as stream:
        stream.seek(-4, os.SEEK_END)
        stream.write(b"\0\0\0\1")
    embedder = ClipEmbedder(copy, precision="fp32")  # the text tower loads when a text is first embedded
    with pytest.raises(ManifestError, match="sha256"):
        embedder.embed_text("a dog")


def test_the_text_towers_stay_unloaded_until_a_text_is_embedded(model_root):
    embedder = ClipEmbedder(model_root / "clip", precision="fp32")
    assert "text" not in vars(embedder)
    embedder.embed_text("a dog")
    assert "text" in vars(embedder)


def test_a_folder_of_the_wrong_kind_is_refused(model_root):
    with pytest.raises(ManifestError, match="doctr"):
        ClipEmbedder(model_root / "doctr")
    with pytest.raises(ManifestError, match="no 'int16' variant"):
        ClipEmbedder(model_root / "clip", precision="int16")


def test_the_manifest_describes_preprocessing_and_tokenizer(model_root):
    manifest = json.loads((model_root / "clip" / "manifest.json").read_text())
    assert manifest["preprocessing"]["image_size"] == 224
    assert manifest["preprocessing"]["resample"] == "bicubic"
    assert manifest["tokenizer"]["context_length"] == 77
    assert (manifest["tokenizer"]["start_id"], manifest["tokenizer"]["end_id"]) == (49406, 49407)
    assert manifest["source"] == {"random_init": True, "seed": 0, "small": True, "int8": True}


def test_sessions_are_shared_per_model_file(model_root, clip_embedder):
    again = ClipEmbedder(model_root / "clip", precision="fp32")
    assert again.vision.session is clip_embedder.vision.session
    assert again.text.session is clip_embedder.text.session


def test_thread_count_argument_then_environment_then_cores(monkeypatch):
    from imagedrive.settings import get_settings

    monkeypatch.setenv("IMAGEDRIVE_ONNX_THREADS", "3")
    get_settings.cache_clear()
    try:
        assert resolve_threads(1) == 1
        assert resolve_threads() == 3
        monkeypatch.setenv("IMAGEDRIVE_ONNX_THREADS", "0")
        get_settings.cache_clear()
        assert resolve_threads() == os.cpu_count()
    finally:
        get_settings.cache_clear()
