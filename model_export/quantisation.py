"""int8 variants of ONNX towers: static QDQ for CLIP's vision tower, dynamic for the text towers.

Measured on 2 cores, model only (benchmarks/models.py prints the table): fp32 28.5 images/s, dynamic
int8 55.7 (every MatMul quantises its input on the fly; the attention products stay fp32), static QDQ
69.3 (every MatMul, residual Add, GELU and Softmax in int8, ranges calibrated on the sample library).
Text towers stay dynamic: one query at a time, variable lengths, no calibration set for every language.

reduce_range (7-bit weights) everywhere: on CPUs without VNNI (AVX2 only) onnxruntime's u8·s8 kernels
can saturate; measured on such a machine, the multilingual tower's int8 cosine to fp32 fell to 0.955
with full range and is 0.9999 with reduce_range. Machines with VNNI lose nothing noticeable.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from onnxruntime.quantization import CalibrationDataReader

STATIC_SCHEME = "static-qdq"  # in the int8 model_version: its image vectors differ from dynamic int8's
MIN_IMAGE_COSINE = 0.99  # per image, int8 to fp32; below it on held-out images the vision tower stays dynamic
CALIBRATION_BATCH = 10  # divides the 60 sample images: histogram calibrators need equal batches


def quantize_dynamic_int8(source: Path, target: Path) -> None:
    """QInt8 weights, activations quantised on the fly (no calibration set)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, reduce_range=True)


def quantize_static_int8(
    source: Path,
    target: Path,
    pixels: np.ndarray,
    *,
    method: str = "minmax",
    keep_embedding_fp32: bool = True,
    operator_format: bool = False,
) -> None:
    """QDQ (QOperator with operator_format), per-channel int8 weights, uint8 activations with ranges
    measured on `pixels` (MinMax by default; the alternatives are in benchmarks/models.py's table).

    The embedding stage (patch conv, class token, position embeddings, the LayerNorm after them)
    stays fp32: one per-tensor scale over all 50 tokens is set by the patch tokens, and the class
    token — the only one the output reads — can be much smaller (random-init: ~30x), so its
    quantisation noise, re-amplified by the LayerNorm, drove the image cosine to fp32 down to 0.91.
    """
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    methods = {
        "minmax": CalibrationMethod.MinMax,
        "percentile": CalibrationMethod.Percentile,
        "entropy": CalibrationMethod.Entropy,
    }
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        prepared = Path(scratch) / "prepared.onnx"
        # Shape inference and basic graph folding first, as onnxruntime recommends for static QDQ.
        quant_pre_process(str(source), str(prepared))
        quantize_static(
            str(prepared),
            str(target),
            _Batches(pixels),
            quant_format=QuantFormat.QOperator if operator_format else QuantFormat.QDQ,
            per_channel=True,
            reduce_range=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            calibrate_method=methods[method],
            nodes_to_exclude=embedding_stage(prepared) if keep_embedding_fp32 else [],
        )


def worst_image_cosine(fp32: Path, int8: Path, pixels: np.ndarray) -> float:
    """The lowest cosine between the two towers' vectors over `pixels`, one image at a time."""
    import onnxruntime as ort

    def embed(path: Path) -> np.ndarray:
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        (rows,) = session.run(None, {"pixel_values": pixels})
        return np.asarray(rows) / np.linalg.norm(rows, axis=1, keepdims=True)

    return float((embed(fp32) * embed(int8)).sum(axis=1).min())


def embedding_stage(model_path: Path) -> list[str]:
    """Names of the nodes computing the first weight MatMul's input: everything before the encoder.

    Found by structure, not by name, so it holds for our exports and the hub's alike (whose
    LayerNorms may be decomposed into ReduceMean/Sub/Pow… at older opsets)."""
    import onnx

    graph = onnx.load(str(model_path), load_external_data=False).graph
    weights = {initializer.name for initializer in graph.initializer}
    producers = {output: node for node in graph.node for output in node.output}
    first = next(
        node for node in graph.node if node.op_type in ("MatMul", "Gemm") and any(i in weights for i in node.input)
    )
    stage: dict[str, onnx.NodeProto] = {}
    pending = [name for name in first.input if name not in weights]
    while pending:
        node = producers.get(pending.pop())
        if node is None or node.name in stage:
            continue
        stage[node.name] = node
        pending.extend(node.input)
    return sorted(stage)


class _Batches(CalibrationDataReader):
    """Preprocessed pixels for the calibrator, CALIBRATION_BATCH at a time."""

    def __init__(self, pixels: np.ndarray) -> None:
        batch = CALIBRATION_BATCH if len(pixels) % CALIBRATION_BATCH == 0 else 1
        self._feeds: Iterator[dict[str, np.ndarray]] = iter(
            {"pixel_values": pixels[start : start + batch]} for start in range(0, len(pixels), batch)
        )

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._feeds, None)
