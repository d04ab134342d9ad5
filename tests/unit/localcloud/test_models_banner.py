"""./dev up's closing banner says which models are real and which random-init, and how to get real ones."""

import json
import shutil

from imagedrive.inference.manifest import MANIFEST_NAME
from imagedrive.settings import Settings
from localcloud.stack import models_banner


def test_random_init_models_are_called_out_with_the_way_to_real_ones(model_root):
    banner = models_banner(Settings(model_root=model_root, ocr_engine="rapidocr"))
    lines = banner.splitlines()
    assert any(line.split()[:2] == ["clip:", "random-init"] and "NOT REAL" in line for line in lines)
    assert any(line.split()[:2] == ["clip-multilingual:", "random-init"] for line in lines)
    assert any(line.split()[0] == "ocr:" and "rapidocr-onnxruntime==" in line and "NOT REAL" not in line
               for line in lines)
    assert "random" in lines[-1] and "./dev up" in lines[-1] and "README" in lines[-1]


def test_real_models_are_named_by_their_source(model_root, tmp_path):
    root = tmp_path / "models"
    shutil.copytree(model_root / "clip", root / "clip", ignore=shutil.ignore_patterns("*.onnx"))
    manifest = root / "clip" / MANIFEST_NAME
    manifest.write_text(json.dumps(json.loads(manifest.read_text()) | {"provenance": "hub:Xenova/clip@d15189d7"}))
    banner = models_banner(Settings(model_root=root, ocr_engine="rapidocr"))
    assert "clip:              hub:Xenova/clip@d15189d7\n" in banner
    assert banner.endswith("All models have real weights.")
