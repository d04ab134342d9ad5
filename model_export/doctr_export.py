"""doctr text detection and recognition to ONNX, in the layout onnxtr reads from local paths."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from doctr.models import detection, recognition
from torch import nn

from model_export.folders import write_manifest
from model_export.onnx_io import export_onnx
from model_export.options import ExportOptions, from_hub

DETECTORS = ("db_mobilenet_v3_large", "db_resnet50")
RECOGNIZERS = ("crnn_mobilenet_v3_small", "crnn_vgg16_bn")


class LogitsOnly(nn.Module):
    """doctr's exportable models return {"logits": …}; onnxtr expects the bare tensor."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.model(images)["logits"]


def build_doctr(arch: str, options: ExportOptions, *, exportable: bool) -> nn.Module:
    """A doctr model: pretrained (downloads), or seeded random weights without any download."""
    module = detection if arch in DETECTORS else recognition
    constructor = getattr(module, arch)
    if options.random_init:
        return options.seeded(
            lambda: constructor(pretrained=False, pretrained_backbone=False, exportable=exportable)
        ).eval()
    return from_hub(f"doctr {arch}", lambda: constructor(pretrained=True, exportable=exportable)).eval()


def export_doctr(
    out: Path,
    options: ExportOptions,
    detector: str = DETECTORS[0],
    recognizer: str = RECOGNIZERS[0],
) -> dict[str, Any]:
    specs: dict[str, dict[str, Any]] = {}
    for role, arch in (("detection", detector), ("recognition", recognizer)):
        model = build_doctr(arch, options, exportable=True)
        shape = tuple(model.cfg["input_shape"])
        export_onnx(
            LogitsOnly(model),
            (torch.rand(1, *shape),),
            out / f"{role}.onnx",
            ["input"],
            "logits",
            {"input": {0: "batch"}, "logits": {0: "batch"}},
        )
        specs[role] = {
            "arch": arch,
            "input_shape": list(shape),
            "mean": list(model.cfg["mean"]),
            "std": list(model.cfg["std"]),
        }
        if role == "recognition":
            specs[role]["vocab"] = model.vocab
    tag = options.model_tag(f"doctr-{detector}-{recognizer}", f"doctr/{detector}+{recognizer}")
    manifest = {
        "kind": "doctr",
        "source": options.source(),
        "provenance": options.provenance(f"doctr/{detector}+{recognizer}"),
        "variants": {
            "fp32": {
                "model_version": f"{tag}:fp32",
                "files": {"detection": "detection.onnx", "recognition": "recognition.onnx"},
            }
        },
        **specs,
    }
    write_manifest(out, manifest)
    return manifest
