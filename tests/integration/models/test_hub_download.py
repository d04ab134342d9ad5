"""Installing real CLIP weights from the hub, offline: a local server plays the hub (conftest).

A good download installs atomically and the runtime loads it like our own export; a wrong sha256, a
truncated file, a dropped connection and a server that dies mid-download each leave the models that
were there untouched, with no half-built folder beside them, and an error that names the file.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from imagedrive.inference.clip import ClipEmbedder
from imagedrive.inference.manifest import MANIFEST_NAME, load_manifest
from imagedrive.inference.towers import MultilingualTextTower
from model_export.ensure import ensure
from model_export.hub import fetch
from model_export.hub_catalog import HubRepo
from model_export.hub_download import HubDownloadError, HubUnreachable
from model_export.options import ExportOptions

REPO_ROOT = Path(__file__).resolve().parents[3]
KINDS = ("clip", "clip-multilingual")
TEXTS = ["a photo of a cat", "一只猫的照片", "Straßenbahn im Schnee", "INVOICE RE16-2201"]


def _snapshot(root: Path) -> dict[str, str]:
    """Every file under the root (staging folders included) with its digest."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != ".lock"}


@pytest.fixture
def previous_root(model_root: Path, tmp_path: Path) -> Path:
    """A model root holding the random-init export, as a drive has before real weights arrive."""
    root = tmp_path / "models"
    for kind in KINDS:
        shutil.copytree(model_root / kind, root / kind)
    return root


def _fetch(root: Path, catalog: dict[str, HubRepo]) -> list[str]:
    return fetch(root, KINDS, catalog=catalog, probe_timeout=5, read_timeout=5)


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


def test_good_download_installs_folders_the_runtime_loads_like_our_export(
    fake_hub, hub_catalog, previous_root, model_root
):
    assert _fetch(previous_root, hub_catalog) == list(KINDS)
    assert not [p for p in previous_root.iterdir() if p.name.startswith(".") and p.name != ".lock"]  # no staging left
    clip, multilingual = (load_manifest(previous_root / kind) for kind in KINDS)
    assert clip.provenance == "hub:Xenova/clip-vit-base-patch32@d15189d7028b43f1d3e65039190477f6af591c2a"
    assert multilingual.provenance == (
        "hub:sentence-transformers/clip-ViT-B-32-multilingual-v1@58edf8cada9e398793dca955574a48cbb7f18be2")
    assert clip.precisions == multilingual.precisions == ["fp32", "int8"]
    assert clip.model_version("int8") == "Xenova/clip-vit-base-patch32@d15189d702:static-qdq:int8"
    # Quantised as our exporter quantises: static QDQ vision calibrated on the sample library, dynamic text.
    assert clip.data["variants"]["int8"]["quantisation"] == load_manifest(model_root / "clip").data["variants"][
        "int8"]["quantisation"] == {"vision": "static-qdq", "text": "dynamic"}
    assert clip.data["hub"]["files"]["onnx/vision_model.onnx"]["sha256"] == hub_catalog["clip"].files["vision"].sha256
    # The file without a pinned digest gets the one it arrived with, recorded.
    encoder = multilingual.data["hub"]["files"]["onnx/model.onnx"]
    assert encoder["pinned"] is False and len(encoder["sha256"]) == 64

    installed = ClipEmbedder(previous_root / "clip", previous_root / "clip-multilingual", precision="fp32")
    exported = ClipEmbedder(model_root / "clip", model_root / "clip-multilingual", precision="fp32")
    assert installed.model_warning is None  # hub weights are taken as real
    images = [Image.new("RGB", (320, 200), colour) for colour in ("red", "navy", "white")]
    # Same vision and text files, tokenizer assets rebuilt from tokenizer.json: identical vectors.
    assert np.allclose(installed.embed_images(images), exported.embed_images(images), atol=1e-6)
    int8_vectors = [ClipEmbedder(root / "clip", precision="int8").embed_images(images)
                    for root in (previous_root, model_root)]
    assert np.allclose(*int8_vectors, atol=1e-5)
    assert [installed.text.tokenizer.encode(t) for t in TEXTS] == [exported.text.tokenizer.encode(t) for t in TEXTS]
    # The multilingual encoder with pooling and Dense baked in equals the tower exported in one piece.
    ours = MultilingualTextTower(multilingual, "fp32").embed(TEXTS)
    reference = exported.multilingual.embed(TEXTS)
    assert _cosines(ours, reference).min() > 0.99999
    int8 = MultilingualTextTower(multilingual, "int8").embed(TEXTS)
    assert _cosines(int8, ours).min() > 0.95

    # Up to date: a second fetch asks the hub nothing, even with the hub gone.
    fake_hub.stop()
    requests = len(fake_hub.requests)
    assert _fetch(previous_root, hub_catalog) == []
    assert len(fake_hub.requests) == requests
    # And the offline fallback never replaces real weights with random ones.
    assert ensure(previous_root, ExportOptions(random_init=True, small=True), kinds=KINDS) == []
    assert load_manifest(previous_root / "clip").provenance.startswith("hub:")


def test_a_clip_text_graph_that_takes_an_attention_mask_gets_one(fake_hub, hub_catalog, hub_files, previous_root,
                                                                 model_root):
    masked = hub_files["clip"]["masked-text"]
    repo = hub_catalog["clip"]
    fake_hub.files[f"/{repo.repo}/resolve/{repo.revision}/onnx/text_model.onnx"] = masked.read_bytes()
    catalog = _pin(hub_catalog, "clip", "text", sha256=hashlib.sha256(masked.read_bytes()).hexdigest(),
                   size=masked.stat().st_size)
    _fetch(previous_root, catalog)
    installed = ClipEmbedder(previous_root / "clip", precision="fp32")
    assert installed.text.takes_mask
    exported = ClipEmbedder(model_root / "clip", precision="fp32")
    assert not exported.text.takes_mask
    # CLIP's text tower is causal and pools at the end token: an all-ones mask changes nothing.
    assert np.allclose(installed.text.embed(TEXTS), exported.text.embed(TEXTS), atol=1e-5)


def _pin(catalog: dict[str, HubRepo], kind: str, role: str, **changes: object) -> dict[str, HubRepo]:
    repo = catalog[kind]
    return {**catalog, kind: replace(repo, files={**repo.files, role: replace(repo.files[role], **changes)})}


def _assert_failure_keeps_previous(root: Path, catalog: dict[str, HubRepo], expected: str) -> None:
    before = _snapshot(root)
    with pytest.raises(HubDownloadError, match=expected) as raised:
        _fetch(root, catalog)
    assert _snapshot(root) == before  # previous models in place, no half-built folder beside them
    assert load_manifest(root / "clip").provenance == "random-init"
    assert not isinstance(raised.value, HubUnreachable)


def test_a_wrong_sha256_installs_nothing(fake_hub, hub_catalog, previous_root):
    catalog = _pin(hub_catalog, "clip-multilingual", "dense", sha256="0" * 64)
    _assert_failure_keeps_previous(previous_root, catalog, r"2_Dense/model\.safetensors: sha256 mismatch")


def test_a_truncated_file_installs_nothing(fake_hub, hub_catalog, previous_root):
    fake_hub.short_body["onnx/text_model.onnx"] = 1000  # a complete-looking response, but short
    _assert_failure_keeps_previous(previous_root, hub_catalog, r"onnx/text_model\.onnx: 1000 bytes, but the pinned")


def test_a_dropped_connection_installs_nothing(fake_hub, hub_catalog, previous_root):
    fake_hub.drop_after["onnx/model.onnx"] = 4096  # the file without a pinned digest or size
    _assert_failure_keeps_previous(previous_root, hub_catalog, r"onnx/model\.onnx: truncated, 4096 of the")


def test_a_server_dying_mid_download_installs_nothing(fake_hub, hub_catalog, previous_root):
    fake_hub.die_after["tokenizer.json"] = 512  # the last file of the second repository
    _assert_failure_keeps_previous(previous_root, hub_catalog, r"tokenizer\.json: truncated, 512 of the")
    with pytest.raises(HubUnreachable):  # and the server is really gone
        _fetch(previous_root, hub_catalog)


def test_a_file_missing_at_the_pinned_revision_is_an_error_not_a_fallback(fake_hub, hub_catalog, previous_root):
    catalog = _pin(hub_catalog, "clip", "vision", path="onnx/vision_model_renamed.onnx")
    _assert_failure_keeps_previous(previous_root, catalog, "HTTP 404")


def test_no_hub_at_all_is_reported_as_unreachable(hub_catalog, previous_root, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # discard port: nothing listens
    with pytest.raises(HubUnreachable, match=r"no model hub at http://127\.0\.0\.1:9"):
        _fetch(previous_root, hub_catalog)


def _cli(root: Path, endpoint: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_ENDPOINT": endpoint,
           "PYTHONPATH": os.pathsep.join([str(REPO_ROOT / "layers"), str(REPO_ROOT)])}
    return subprocess.run([sys.executable, "-m", "model_export.hub", "--out", str(root), "--timeout", "5"],
                          capture_output=True, text=True, env=env, timeout=300)


def test_cli_checks_the_real_pins_and_says_what_happened(fake_hub, previous_root):
    # The fake hub serves random-init files under the real names: the real pins refuse them.
    refused = _cli(previous_root, fake_hub.url)
    assert refused.returncode == 2, refused.stderr
    assert "not the pinned file" in refused.stderr and "left as they were" in refused.stderr
    assert load_manifest(previous_root / "clip").provenance == "random-init"
    unreachable = _cli(previous_root, "http://127.0.0.1:9")
    assert unreachable.returncode == 3 and "no model hub" in unreachable.stderr


def test_manifest_files_match_what_is_on_disk_after_install(fake_hub, hub_catalog, previous_root):
    _fetch(previous_root, hub_catalog)
    for kind in KINDS:
        manifest = json.loads((previous_root / kind / MANIFEST_NAME).read_text())
        on_disk = {p.name for p in (previous_root / kind).iterdir() if p.name != MANIFEST_NAME}
        assert set(manifest["files"]) == on_disk
        assert "encoder.onnx" not in on_disk  # baked into text.onnx, not kept twice
