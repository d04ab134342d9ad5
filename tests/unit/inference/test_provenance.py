import json
import shutil

from imagedrive.health import DependencyStatus, HealthReport
from imagedrive.inference.manifest import MANIFEST_NAME, load_manifest
from imagedrive.inference.provenance import RANDOM_INIT, clip_warning, describe_models, models_warning


def _with_provenance(model_root, tmp_path, provenance):
    """A copy of the test models whose CLIP manifest names another source."""
    root = tmp_path / "models"
    shutil.copytree(model_root, root, ignore=shutil.ignore_patterns("*.onnx", ".lock"))
    path = root / "clip" / MANIFEST_NAME
    path.write_text(json.dumps(json.loads(path.read_text()) | {"provenance": provenance}))
    return root


def test_test_models_are_named_random_init_and_not_meaningful(model_root):
    models = {m.name: m for m in describe_models(model_root, precision="int8", ocr_engine="rapidocr")}
    assert set(models) == {"clip", "clip-multilingual", "ocr"}
    assert models["clip"].source == RANDOM_INIT and not models["clip"].meaningful
    assert models["clip"].model_version == load_manifest(model_root / "clip").model_version("int8")
    assert models["ocr"].source.startswith("rapidocr-onnxruntime==") and models["ocr"].meaningful
    assert "random-init" in models_warning(list(models.values()))


def test_manifests_without_a_provenance_key_are_read_from_their_source_options(model_root, tmp_path):
    root = tmp_path / "old"
    shutil.copytree(model_root / "clip", root, ignore=shutil.ignore_patterns("*.onnx"))
    data = json.loads((root / MANIFEST_NAME).read_text())
    data.pop("provenance", None)
    (root / MANIFEST_NAME).write_text(json.dumps(data))
    assert load_manifest(root).provenance == RANDOM_INIT
    data["source"]["random_init"] = False
    data["variants"]["fp32"]["model_version"] = "openai/clip-vit-base-patch32:fp32"
    (root / MANIFEST_NAME).write_text(json.dumps(data))
    assert load_manifest(root).provenance == "export:openai/clip-vit-base-patch32"


def test_real_clip_gives_no_warning_and_a_healthy_models_entry(model_root, tmp_path):
    root = _with_provenance(model_root, tmp_path, "hub:Xenova/clip-vit-base-patch32@abc123")
    (root / "clip-multilingual" / MANIFEST_NAME).unlink()
    models = describe_models(root, precision="int8", ocr_engine="rapidocr")
    assert models_warning(models) is None
    report = HealthReport([DependencyStatus("postgres", True, 1.0)], models=models).as_dict()
    assert report["status"] == "ok"
    assert report["models"]["status"] == "ok" and "warning" not in report["models"]
    assert report["models"]["clip"]["source"] == "hub:Xenova/clip-vit-base-patch32@abc123"
    assert report["models"]["clip"]["meaningful"] is True


def test_random_clip_marks_the_models_degraded_in_words_but_the_drive_still_serves(model_root):
    models = describe_models(model_root, precision="int8", ocr_engine="rapidocr")
    report = HealthReport([DependencyStatus("postgres", True, 1.0)], models=models)
    body = report.as_dict()
    assert report.ok and body["status"] == "ok"  # uploads, OCR search and browsing still work: HTTP 200
    assert body["models"]["status"] == "degraded"
    assert body["models"]["clip"] | {"model_version": None} == {
        "source": "random-init", "meaningful": False, "degraded": True, "model_version": None}
    assert "random" in body["models"]["warning"] and "./dev up" in body["models"]["warning"]
    assert body["models"]["ocr"]["meaningful"] is True


def test_a_root_without_models_says_clip_is_missing(tmp_path):
    models = describe_models(tmp_path, precision="int8", ocr_engine="rapidocr")
    assert models[0].name == "clip" and models[0].source == "missing" and models[0].error
    assert "no CLIP model" in models_warning(models)


def test_clip_warning_names_each_random_tower():
    assert clip_warning("hub:x@1", "hub:y@2") is None
    assert clip_warning(RANDOM_INIT).startswith("CLIP runs on random-init weights")
    assert clip_warning("hub:x@1", RANDOM_INIT).startswith("the multilingual text tower runs")
    assert "CLIP and the multilingual text tower run" in clip_warning(RANDOM_INIT, RANDOM_INIT)
