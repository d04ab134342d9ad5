"""int8 variants: the vision tower is static QDQ with its embedding stage in fp32, unless the
calibration does not suit the weights; text towers are dynamic."""

from __future__ import annotations

import shutil

import onnx

from model_export import quantisation
from model_export.folders import precision_variants, quantize_variants
from model_export.quantisation import embedding_stage


def _fp32_clip(model_root, tmp_path):
    for name in ("vision.onnx", "text.onnx"):
        shutil.copy(model_root / "clip" / name, tmp_path / name)
    return precision_variants("clip-test", {"vision": "vision.onnx", "text": "text.onnx"}, int8=True)


def _op_types(path):
    return {node.op_type for node in onnx.load(str(path)).graph.node}


def test_vision_is_static_qdq_with_its_own_model_version_and_text_is_dynamic(model_root, tmp_path):
    variants = _fp32_clip(model_root, tmp_path)
    quantize_variants(tmp_path, variants)
    assert variants["int8"]["model_version"] == "clip-test:static-qdq:int8"
    assert variants["int8"]["quantisation"] == {"vision": "static-qdq", "text": "dynamic"}
    assert {"QuantizeLinear", "DequantizeLinear"} <= _op_types(tmp_path / "vision.int8.onnx")
    assert "DynamicQuantizeLinear" in _op_types(tmp_path / "text.int8.onnx")
    # The patch embedding stays fp32: the Conv's weight is no quantised initializer.
    vision = onnx.load(str(tmp_path / "vision.int8.onnx")).graph
    conv = next(node for node in vision.node if node.op_type == "Conv")
    assert conv.input[1] in {initializer.name for initializer in vision.initializer}


def test_a_vision_tower_the_calibration_does_not_suit_falls_back_to_dynamic(model_root, tmp_path, monkeypatch):
    monkeypatch.setattr(quantisation, "MIN_IMAGE_COSINE", 1.01)  # no int8 tower reaches it
    variants = _fp32_clip(model_root, tmp_path)
    quantize_variants(tmp_path, variants)
    assert variants["int8"]["model_version"] == "clip-test:int8"
    assert variants["int8"]["quantisation"] == {"vision": "dynamic", "text": "dynamic"}
    assert "DynamicQuantizeLinear" in _op_types(tmp_path / "vision.int8.onnx")


def test_the_embedding_stage_is_everything_before_the_first_projection(model_root):
    stage = embedding_stage(model_root / "clip" / "vision.onnx")
    assert any("patch_embedding" in name for name in stage)
    assert any("pre_layrnorm" in name for name in stage)
    assert not any("proj" in name or "mlp" in name for name in stage)
