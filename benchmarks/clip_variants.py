"""CLIP vision tower variants side by side (issue 13, item 4): quantisation, graph optimisation, threads.

Each variant is one ONNX file plus session options, measured on the same preprocessed pixels
(held-out drawings of the sample library, not the calibration ones), so the figures are the model's
alone: images/s at a batch size, cosine of each image's vector to ONNX fp32, and the top-10 overlap
and top-1 agreement with fp32 of a small retrieval: 48 queries (the held-out images, each not
counting itself, and the sample categories' prompts) over those images plus the benchmark photos; and
"copies": the share of re-encoded, rescaled copies of the held-out images whose nearest image is their
original (a search with a right answer, unlike the near-ties of random-init vectors).
Torch-free: runs in models.py's ONNX child; files are cached under .cache/ per exporter version.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort

from imagedrive.inference.clip import ClipEmbedder
from imagedrive.inference.clip_preprocess import ClipPreprocessing
from imagedrive.inference.vectors import l2_normalise
from model_export import EXPORTER_VERSION
from model_export.calibration import HELD_OUT_SEED, sample_pixels
from model_export.manifest_specs import preprocessing
from model_export.quantisation import quantize_dynamic_int8, quantize_static_int8
from sample_data.generate import CATEGORIES

HELD_OUT_PER_CATEGORY = 3  # 36 images: a batch of 32 plus a remainder
TOP_K = 10
ALL = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
Make = Callable[[Path, Path], None]  # (fp32 vision.onnx, target) → writes target


def _fused(source: Path, target: Path) -> None:
    """onnxruntime.transformers' CLIP fusions: Attention, SkipLayerNormalization, QuickGelu."""
    from onnxruntime.transformers.optimizer import optimize_model

    optimize_model(str(source), model_type="clip", num_heads=0, hidden_size=0, opt_level=0).save_model_to_file(
        str(target)
    )


def _dynamic_on_fused(source: Path, target: Path) -> None:
    """Dynamic int8 over the fused graph (its Attention becomes QAttention)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(source),
        str(target),
        weight_type=QuantType.QInt8,
        reduce_range=True,
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},  # the fused ops' outputs have no inferred type
    )


def _static(**options: object) -> Make:
    return lambda source, target: quantize_static_int8(source, target, sample_pixels(), **options)  # type: ignore[arg-type]


def _on_fused(quantise: Make) -> Make:
    def make(source: Path, target: Path) -> None:
        fused = target.with_name("fused-fp32.onnx")
        if not fused.exists():
            _fused(source, fused)
        quantise(fused, target)

    return make


@dataclass(frozen=True)
class Variant:
    name: str
    file: str  # "fp32" and "shipped" are the model folder's own files; others are made here by `make`
    make: Make | None = None
    batch: int = 32
    intra: int = 0  # 0: one thread per core
    inter: int = 1
    parallel: bool = False
    level: ort.GraphOptimizationLevel = ALL


VARIANTS = [
    Variant("ONNX fp32", "fp32"),
    Variant("fp32 + transformer fusions (clip)", "fused-fp32.onnx", _fused),
    Variant("dynamic int8 (the previous default)", "dynamic.onnx", lambda s, t: quantize_dynamic_int8(s, t)),
    Variant("dynamic int8 on the fused graph", "fused-dynamic.onnx", _on_fused(_dynamic_on_fused)),
    Variant("static QDQ MinMax, every node", "static-all.onnx", _static(keep_embedding_fp32=False)),
    Variant("static QDQ MinMax, embedding fp32 *", "shipped"),
    Variant("static QDQ Percentile, embedding fp32", "static-percentile.onnx", _static(method="percentile")),
    Variant("static QDQ Entropy, embedding fp32", "static-entropy.onnx", _static(method="entropy")),
    Variant("static QOperator MinMax, embedding fp32", "static-qop.onnx", _static(operator_format=True)),
    Variant("* batch 16", "shipped", batch=16),
    Variant("* batch 8", "shipped", batch=8),
    Variant("* intra-op 1 thread", "shipped", intra=1),
    Variant("* intra 2, inter 2, parallel", "shipped", inter=2, parallel=True),
    Variant("* graph optimisation EXTENDED", "shipped", level=ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED),
    Variant("* graph optimisation BASIC", "shipped", level=ort.GraphOptimizationLevel.ORT_ENABLE_BASIC),
]
SHIPPED = "static QDQ MinMax, embedding fp32 *"


def _session(path: Path, variant: Variant) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = variant.intra or os.cpu_count() or 1
    options.inter_op_num_threads = variant.inter
    options.execution_mode = ort.ExecutionMode.ORT_PARALLEL if variant.parallel else ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = variant.level
    return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])


def _embed(session: ort.InferenceSession, pixels: np.ndarray, batch: int) -> np.ndarray:
    rows = [session.run(None, {"pixel_values": pixels[i : i + batch]})[0] for i in range(0, len(pixels), batch)]
    return l2_normalise(np.concatenate(rows))


def _file(variant: Variant, clip_dir: Path, work: Path) -> Path:
    if variant.file in ("fp32", "shipped"):
        return clip_dir / ("vision.onnx" if variant.file == "fp32" else "vision.int8.onnx")
    path = work / variant.file
    if not path.exists() and variant.make is not None:
        started = time.perf_counter()
        variant.make(clip_dir / "vision.onnx", path)
        print(f"  made {variant.file} in {time.perf_counter() - started:.0f} s")
    return path


def _top_k(queries: np.ndarray, library: np.ndarray, own_rows: int) -> np.ndarray:
    """The first `own_rows` queries are library images: they are not counted as their own results."""
    scores = queries @ library.T
    scores[np.arange(own_rows), np.arange(own_rows)] = -np.inf
    return np.argsort(-scores, axis=1)[:, :TOP_K]


def measure(clip_dir: Path, photo_pixels: np.ndarray, repeats: int = 5) -> dict[str, dict[str, float]]:
    """variant name → {images_s, cos_min, cos_mean, top10}; speeds are the best of `repeats` rounds,
    each round running every variant once, so load from elsewhere on the machine hits them alike."""
    work = clip_dir.parents[2] / "benchmark-clip-variants" / EXPORTER_VERSION
    work.mkdir(parents=True, exist_ok=True)
    held_out = sample_pixels(HELD_OUT_SEED, HELD_OUT_PER_CATEGORY)
    copies = _copies_pixels()
    library_pixels = np.concatenate([held_out, photo_pixels, copies])
    prompts = ClipEmbedder(clip_dir, precision="fp32")
    text_queries = np.stack([prompts.embed_text(prompt) for prompt in CATEGORIES.values()])
    sessions = {v.name: _session(_file(v, clip_dir, work), v) for v in VARIANTS}
    embedded = {v.name: _embed(sessions[v.name], library_pixels, v.batch) for v in VARIANTS}
    vectors = {name: rows[: -len(copies)] for name, rows in embedded.items()}
    reference = vectors["ONNX fp32"]

    def retrieval(library: np.ndarray) -> np.ndarray:
        return _top_k(np.concatenate([library[: len(held_out)], text_queries]), library, len(held_out))

    expected = retrieval(reference)
    timings: dict[str, list[float]] = {v.name: [] for v in VARIANTS}
    batch_of_32 = held_out[:32]
    for _ in range(repeats):
        for variant in VARIANTS:
            started = time.perf_counter()
            _embed(sessions[variant.name], batch_of_32, variant.batch)
            timings[variant.name].append(time.perf_counter() - started)
    scores = np.concatenate([reference[: len(held_out)], text_queries]) @ reference.T
    scores[np.arange(len(held_out)), np.arange(len(held_out))] = -np.inf
    scores = np.sort(scores, axis=1)[:, ::-1]
    figures: dict[str, dict[str, float]] = {
        "(library)": {
            "pairwise_cos": float((reference @ reference.T)[np.triu_indices(len(reference), 1)].mean()),
            "gap_10_11": float(np.median(scores[:, TOP_K - 1] - scores[:, TOP_K])),
        }
    }
    for variant in VARIANTS:
        cosines = (vectors[variant.name] * reference).sum(axis=1)
        found = retrieval(vectors[variant.name])
        overlap = np.mean([len(set(a) & set(b)) / TOP_K for a, b in zip(expected, found, strict=True)])
        figures[variant.name] = {
            "images_s": len(batch_of_32) / min(timings[variant.name]),
            "cos_min": float(cosines.min()),
            "cos_mean": float(cosines.mean()),
            "top10": float(overlap),
            "top1": float(np.mean(expected[:, 0] == found[:, 0])),
            "copies_found": _copies_found(embedded[variant.name], len(held_out), len(copies)),
        }
    return figures


def _copies_pixels() -> np.ndarray:
    """Each held-out drawing re-encoded as a JPEG at quality 60 and scaled to 90%: a copy to find."""
    import io

    from PIL import Image

    from model_export.calibration import sample_images

    copies = []
    for image in sample_images(HELD_OUT_SEED, HELD_OUT_PER_CATEGORY):
        buffer = io.BytesIO()
        image.convert("RGB").resize((image.width * 9 // 10, image.height * 9 // 10)).save(buffer, "JPEG", quality=60)
        copies.append(Image.open(buffer).convert("RGB"))
    return ClipPreprocessing.from_manifest(preprocessing()).pixels(copies)


def _copies_found(rows: np.ndarray, originals: int, copies: int) -> float:
    """Share of the copies whose nearest library image (originals + photos) is their original."""
    library, queries = rows[:-copies], rows[-copies:]
    return float(np.mean(np.argmax(queries @ library.T, axis=1) == np.arange(originals)))


def held_out_pixels() -> np.ndarray:
    """The pixels the torch reference times, the same 32 images the variants are timed on."""
    return sample_pixels(HELD_OUT_SEED, HELD_OUT_PER_CATEGORY)[:32]


def photo_pixels(paths: list[Path]) -> np.ndarray:
    from PIL import Image

    return ClipPreprocessing.from_manifest(preprocessing()).pixels([Image.open(p).convert("RGB") for p in paths])


def print_table(figures: dict[str, dict[str, float]], torch_images_s: float) -> None:
    print(f"CLIP vision variants, model only (preprocessed pixels; torch fp32 {torch_images_s:.1f} images/s)")
    columns = ("images/s", "× torch", "cos min", "cos mean", "top-10", "top-1", "copies")
    print(f"  {'variant':<42} " + " ".join(f"{column:>8}" for column in columns))
    library = figures.pop("(library)", None)
    for name, row in figures.items():
        speedup = row["images_s"] / torch_images_s
        target = ""
        if name == SHIPPED:
            reference = figures["ONNX fp32"]["copies_found"]
            passed = speedup >= 5 and row["cos_min"] >= 0.99 and row["copies_found"] >= reference
            target = f"target ≥ 5×, cos ≥ 0.99, copies found as fp32: {'PASS' if passed else 'MISS'}"
        print(
            f"  {name:<42} {row['images_s']:>8.1f} {speedup:>7.2f}× {row['cos_min']:>8.4f} {row['cos_mean']:>8.4f}"
            f" {row['top10']:>8.3f} {row['top1']:>8.3f} {row['copies_found']:>8.3f} {target}"
        )
    print("  (* the shipped int8 vision tower; its rows below vary one session setting each)")
    if library:
        print(
            f"  top-10 is against fp32's top-10 over {{held-out + photos}}; with random-init weights every vector is"
            f" alike (mean pairwise cosine {library['pairwise_cos']:.4f}, median score gap between ranks 10 and 11"
            f" {library['gap_10_11']:.5f}), so noise far below cosine 0.99 reorders the tail of the top 10"
        )
