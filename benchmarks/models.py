"""Model throughput on this machine: our ONNX runtime against the PyTorch reference, in one run.

    PYTHONPATH=layers:. python benchmarks/models.py [--model-root DIR] [--images 64]

It ends with the CLIP vision variants table (benchmarks/clip_variants.py): quantisation schemes, graph
optimisation and thread layouts, model only, against PyTorch fp32 on the same pixels.

Without --model-root it exports full-size random-init models once (cached with the tests' models).
Random weights cost the same compute as real ones, except OCR recognition, whose work grows with the
number of words detected (random detection finds one region per page). The ONNX half runs in a child
process that never imports torch, so its RSS figures are the runtime's own. Prints figures only.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import psutil
from PIL import Image, ImageDraw, ImageFont

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT / "layers"), str(REPO_ROOT)]

from benchmarks import clip_variants  # noqa: E402
from imagedrive.inference.clip import ClipEmbedder  # noqa: E402
from imagedrive.inference.ocr import open_text_reader  # noqa: E402

ENGLISH = ["a photo of a cat", "two dogs playing in the snow", "a receipt from a coffee shop", "sunset over the sea"]
MULTILINGUAL = ["一只橙色的猫在床上睡觉", "Кошка спит на кровати", "un perro en la nieve", "夕焼けの海"]
BATCH_SIZES = (1, 8, 32)
results: dict[str, float] = {}
variant_figures: dict[str, dict[str, float]] = {}


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def best_ms(work: Callable[[], object], repeats: int = 3) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        timings.append((time.perf_counter() - started) * 1000)
    return min(timings)


def line(label: str, value: float, unit: str, target: str = "") -> None:
    results[label] = value
    print(f"  {label:<44} {value:>9.1f} {unit:<9} {target}")


def photos(folder: Path, count: int) -> list[Path]:
    rng = np.random.default_rng(0)
    paths = []
    for index in range(count):
        base = rng.integers(0, 256, (3,))
        pixels = np.clip(base + rng.normal(0, 40, (480, 640, 3)), 0, 255).astype(np.uint8)
        paths.append(folder / f"photo{index:03}.jpg")
        Image.fromarray(pixels).save(paths[-1], quality=90)
    return paths


def text_page(size: tuple[int, int], lines: int, font_size: int) -> Image.Image:
    page = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=font_size)
    for row in range(lines):
        draw.text(
            (font_size * 2, font_size * 2 + row * font_size * 2),
            f"Line {row}: the quick brown fox 0123",
            fill="black",
            font=font,
        )
    return page


def onnx_half(root: Path, paths: list[Path], pages: dict[str, Image.Image]) -> None:
    print(f"ONNX Runtime ({os.cpu_count()} cores), models under {root}")
    line("RSS before loading models", rss_mb(), "MB")
    embedders: dict[str, ClipEmbedder] = {}
    started = time.perf_counter()
    embedders["int8"] = ClipEmbedder(root / "clip", root / "clip-multilingual", precision="int8")
    line("load CLIP int8 (vision+text+multilingual)", (time.perf_counter() - started) * 1000, "ms")
    started = time.perf_counter()
    ocr = open_text_reader(root / "doctr")
    line("load OCR (onnxtr import + sessions)", (time.perf_counter() - started) * 1000, "ms")
    embedders["int8"].embed_image(paths[0])
    embedders["int8"].embed_text(ENGLISH[0])
    embedders["int8"].embed_text(MULTILINGUAL[0])
    ocr.read(pages["1 MP photo"])
    line("RSS, int8 towers + OCR loaded and warm", rss_mb(), "MB", "target ≤ 1024")
    started = time.perf_counter()
    embedders["fp32"] = ClipEmbedder(root / "clip", root / "clip-multilingual", precision="fp32")
    line("load CLIP fp32", (time.perf_counter() - started) * 1000, "ms")
    for precision, embedder in embedders.items():
        for batch_size in BATCH_SIZES:
            milliseconds = best_ms(lambda e=embedder, b=batch_size: e.embed_batch(paths, batch_size=b), repeats=2)
            target = "target ≥ 25" if precision == "int8" and batch_size == 32 else ""
            line(f"embed_batch {precision} batch {batch_size}", len(paths) / milliseconds * 1000, "images/s", target)
    for precision, embedder in embedders.items():
        line(f"text {precision} English", _per_text(embedder.embed_text, ENGLISH), "ms", "target ≤ 25")
        line(f"text {precision} multilingual", _per_text(embedder.embed_text, MULTILINGUAL), "ms", "target ≤ 25")
    for name, page in pages.items():
        line(f"OCR {name}", best_ms(lambda p=page: ocr.read(p)), "ms", "target ≤ 600" if "photo" in name else "")
    line("RSS at the end of the ONNX half", rss_mb(), "MB")
    print("CLIP vision variants (made once, cached)")
    variant_figures.update(clip_variants.measure(root / "clip", clip_variants.photo_pixels(paths)))


def _per_text(embed: Callable[[str], object], texts: list[str]) -> float:
    return statistics.mean(best_ms(lambda t=text: embed(t)) for text in texts)


def torch_half(root: Path, paths: list[Path], pages: dict[str, Image.Image]) -> None:
    import torch
    from doctr.models import ocr_predictor
    from transformers import CLIPImageProcessor, CLIPProcessor, CLIPTokenizer, DistilBertTokenizer

    from model_export import clip_export, doctr_export, multilingual_export
    from model_export.options import ExportOptions

    torch.set_num_threads(os.cpu_count() or 1)
    print(f"PyTorch {torch.__version__} reference (fp32, {torch.get_num_threads()} threads)")
    options = ExportOptions(random_init=True)
    clip = clip_export.build_clip(options)
    tokenizer = CLIPTokenizer(vocab=str(root / "clip" / "vocab.json"), merges=str(root / "clip" / "merges.txt"))
    processor = CLIPProcessor(image_processor=CLIPImageProcessor(), tokenizer=tokenizer)
    vocab = multilingual_export.read_vocab(root / "clip-multilingual")
    multilingual = multilingual_export.build_tower(options, len(vocab))
    wordpiece = DistilBertTokenizer(vocab=str(root / "clip-multilingual" / "vocab.txt"), do_lower_case=False)

    def embed_images(batch_size: int) -> None:
        for start in range(0, len(paths), batch_size):
            images = [Image.open(path).convert("RGB") for path in paths[start : start + batch_size]]
            clip.get_image_features(pixel_values=processor(images=images, return_tensors="pt")["pixel_values"])

    def english(text: str) -> None:
        tokens = processor(text=[text], return_tensors="pt")
        clip.get_text_features(input_ids=tokens["input_ids"], attention_mask=tokens["attention_mask"])

    def other(text: str) -> None:
        tokens = wordpiece([text], return_tensors="pt")
        multilingual(tokens["input_ids"], tokens["attention_mask"])

    with torch.inference_mode():
        for batch_size in BATCH_SIZES:
            milliseconds = best_ms(lambda b=batch_size: embed_images(b), repeats=2)
            line(f"torch images batch {batch_size}", len(paths) / milliseconds * 1000, "images/s")
        pixels = torch.from_numpy(clip_variants.held_out_pixels())
        line(
            "torch images model-only batch 32",
            len(pixels) / best_ms(lambda: clip.get_image_features(pixel_values=pixels)) * 1000,
            "images/s",
        )
        line("torch text English", _per_text(english, ENGLISH), "ms")
        line("torch text multilingual", _per_text(other, MULTILINGUAL), "ms")
        predictor = ocr_predictor(
            *(doctr_export.build_doctr(arch, options, exportable=False) for arch in doctr_export_defaults())
        )
        for name, page in pages.items():
            line(f"torch OCR {name}", best_ms(lambda p=page: predictor([np.asarray(p)])), "ms")


def doctr_export_defaults() -> tuple[str, str]:
    from model_export.doctr_export import DETECTORS, RECOGNIZERS

    return DETECTORS[0], RECOGNIZERS[0]


def ratios() -> None:
    print("Ratios (ONNX / PyTorch; > 1 means ONNX is faster)")
    for precision in ("int8", "fp32"):
        for batch_size in BATCH_SIZES:
            ours = results[f"embed_batch {precision} batch {batch_size}"]
            line(
                f"{precision} images/s ÷ torch, batch {batch_size}",
                ours / results[f"torch images batch {batch_size}"],
                "×",
                "target ≥ 5 (end to end, with decoding and preprocessing)"
                if precision == "int8" and batch_size == 32
                else "",
            )
    for kind in ("English", "multilingual"):
        line(f"torch ms ÷ int8 ms, text {kind}", results[f"torch text {kind}"] / results[f"text int8 {kind}"], "×")
    for name in ("1 MP photo", "A4 page scan"):
        line(f"torch ms ÷ ONNX ms, OCR {name}", results[f"torch OCR {name}"] / results[f"OCR {name}"], "×")
    clip_variants.print_table(variant_figures, results["torch images model-only batch 32"])


def inputs(count: int) -> tuple[list[Path], dict[str, Image.Image]]:
    work = REPO_ROOT / ".cache" / "benchmark-images"
    work.mkdir(parents=True, exist_ok=True)
    pages = {"1 MP photo": text_page((1155, 866), 6, 40), "A4 page scan": text_page((2480, 3508), 40, 48)}
    return photos(work, count), pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-root", type=Path)
    parser.add_argument("--images", type=int, default=64)
    parser.add_argument("--onnx-half-into", type=Path, help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    paths, pages = inputs(args.images)
    if args.onnx_half_into:
        onnx_half(args.model_root, paths, pages)
        args.onnx_half_into.write_text(json.dumps({"results": results, "variants": variant_figures}))
        return
    from model_export import EXPORTER_VERSION
    from model_export.ensure import ensure
    from model_export.options import ExportOptions

    root = args.model_root or REPO_ROOT / ".cache" / "models" / EXPORTER_VERSION / "full"
    if args.model_root is None:
        ensure(root, ExportOptions(random_init=True))
    handoff = REPO_ROOT / ".cache" / "benchmark-onnx.json"
    child = [sys.executable, __file__, "--model-root", str(root), "--images", str(args.images)]
    subprocess.run([*child, "--onnx-half-into", str(handoff)], check=True)
    handed = json.loads(handoff.read_text())
    results.update(handed["results"])
    variant_figures.update(handed["variants"])
    torch_half(root, paths, pages)
    ratios()


if __name__ == "__main__":
    main()
