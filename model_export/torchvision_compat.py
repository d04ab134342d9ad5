"""Lets PyPI's torchvision wheel import next to the CPU-only torch wheel.

PyPI has no CPU build of torchvision: its compiled ops (`_C.so`) link CUDA libraries the CPU torch
lacks, so they never load. The pure-Python parts that doctr and transformers use (model definitions,
transforms) work without them, but `import torchvision` registers fake kernels for `nms` and `qnms`
unconditionally and fails when those operators were never defined. Defining their schemas (with no
kernel) first lets the import succeed; calling them would still fail loudly.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import torch

_SCHEMAS = (
    "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
)
_libraries: list[torch.library.Library] = []  # kept alive: a dropped Library unregisters its ops


def _compiled_ops_load() -> bool:
    spec = importlib.util.find_spec("torchvision")
    if spec is None or spec.origin is None:
        return True  # nothing to patch
    compiled = next(Path(spec.origin).parent.glob("_C*.so"), None)
    if compiled is None:
        return False
    try:
        torch.ops.load_library(str(compiled))
    except OSError:
        return False
    return True


def install() -> None:
    if _libraries or _compiled_ops_load():
        return
    library = torch.library.Library("torchvision", "DEF")
    for schema in _SCHEMAS:
        library.define(schema)
    _libraries.append(library)
