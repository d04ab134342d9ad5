"""Baking mean pooling and the Dense layer into sentence-transformers' encoder graph, at the opsets
either side of the one where Unsqueeze and ReduceSum moved their axes from attributes to inputs."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest
import torch
from safetensors.numpy import save_file

from model_export.hub_download import HubDownloadError
from model_export.hub_install import bake_pooling_and_projection
from model_export.multilingual_export import build_tower
from model_export.onnx_io import export_onnx
from model_export.options import ExportOptions
from tests.fixtures.hub_files import Encoder

VOCAB_SIZE = 500


def _export_encoder(tmp_path, opset: int):
    tower = build_tower(ExportOptions(random_init=True, small=True, seed=3), VOCAB_SIZE)
    ids = torch.tensor([[101, 7, 8, 102], [101, 9, 102, 0]], dtype=torch.int64)
    axes = {name: {0: "batch", 1: "sequence"} for name in ("input_ids", "attention_mask", "last_hidden_state")}
    export_onnx(Encoder(tower.encoder), (ids, (ids != 0).long()), tmp_path / "encoder.onnx",
                ["input_ids", "attention_mask"], "last_hidden_state", axes, opset=opset)
    save_file({"linear.weight": tower.projection.weight.detach().numpy()}, str(tmp_path / "dense.safetensors"))
    return tower


@pytest.mark.parametrize("opset", [11, 17])
def test_baked_tower_equals_the_tower_exported_in_one_piece(tmp_path, opset):
    tower = _export_encoder(tmp_path, opset)
    bake_pooling_and_projection(tmp_path / "encoder.onnx", tmp_path / "dense.safetensors", tmp_path / "text.onnx")
    session = ort.InferenceSession(str(tmp_path / "text.onnx"), providers=["CPUExecutionProvider"])
    assert [o.name for o in session.get_outputs()] == ["text_embeds"]
    # Padding of different lengths: the mask must keep pad positions out of the mean.
    ids = np.array([[101, 5, 6, 7, 102, 0, 0], [101, 11, 102, 0, 0, 0, 0], [101, 3, 4, 5, 6, 7, 102]], np.int64)
    mask = (ids != 0).astype(np.int64)
    (ours,) = session.run(["text_embeds"], {"input_ids": ids, "attention_mask": mask})
    with torch.no_grad():
        reference = tower(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()
    assert ours.shape == (3, 512)
    assert np.allclose(ours, reference, atol=1e-5)


def test_a_dense_layer_of_another_size_is_refused(tmp_path):
    _export_encoder(tmp_path, 17)
    save_file({"linear.weight": np.zeros((256, 64), np.float32)}, str(tmp_path / "dense.safetensors"))
    with pytest.raises(HubDownloadError, match="maps to 256 dimensions, not 512"):
        bake_pooling_and_projection(tmp_path / "encoder.onnx", tmp_path / "dense.safetensors", tmp_path / "t.onnx")
