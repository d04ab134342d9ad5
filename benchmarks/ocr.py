"""OCR cost: milliseconds per image, RapidOCR against doctr-ONNX on the same pictures, and the
ingest process's peak RSS with every model it loads.

    .venv/bin/python benchmarks/ocr.py [--model-root DIR] [--repeat 3] [--threads N]

Pictures: photos without text (1 MP and 12 MP), a receipt and a document page from the sample
library, an A4 page at 300 dpi, a Chinese A4 document at 200 dpi, and a 12000 px panorama.
doctr runs the export under the model root (random-init here: its timing is real, its text is
not). The RSS figure comes from a fresh process that loads what the ingest function loads (CLIP
int8 towers + the configured OCR engine) and ingests-in-memory one of each picture; goal ≤ 1 GB.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_env import REPO_ROOT
from PIL import Image, ImageDraw

from imagedrive.settings import get_settings
from sample_data.generate import WORDS, generate
from tests.fixtures import images

CHINESE = ("北京市海淀区中关村大街1号 会议纪要：第三季度销售目标 增值税发票 金额合计 人民币 收据 谢谢惠顾 "
           "上海市浦东新区 世纪大道 项目进度报告 第二章 市场分析 用户增长").split()


def pictures(folder: Path) -> dict[str, Image.Image]:
    generate(folder, per_category=1)
    a4 = Image.new("RGB", (2480, 3508), "white")
    draw = ImageDraw.Draw(a4)
    for row in range(60):
        words = " ".join(WORDS[(row * 7 + i) % len(WORDS)] for i in range(9))
        draw.text((200, 200 + row * 52), words, font=images.font(36), fill="black")
    chinese = Image.new("RGB", (1654, 2339), "white")
    draw = ImageDraw.Draw(chinese)
    for row in range(40):
        draw.text((150, 150 + row * 50), "，".join(CHINESE[(row + i) % len(CHINESE)] for i in range(3)),
                  font=images.font(32, cjk=True), fill="black")
    pano = Image.new("RGB", (12000, 1000), (225, 230, 240))
    for n in range(6):
        pano.paste(Image.open(io.BytesIO(images.text_picture(f"GATE {n + 1} NORTH", size=48))), (400 + n * 1900, 420))
    return {
        "photo 1 MP, no text": _open(images.picture(1, (1280, 960), "JPEG")),
        "photo 12 MP, no text": _open(images.picture(2, (4000, 3000), "JPEG")),
        "receipt (sample library)": Image.open(next((folder / "receipts").iterdir())).convert("RGB"),
        "document (sample library)": Image.open(next((folder / "documents").iterdir())).convert("RGB"),
        "A4 page 300 dpi": a4,
        "Chinese A4 200 dpi": chinese,
        "panorama 12000x1000": pano,
    }


def _open(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def time_reader(reader, picture: Image.Image, repeat: int) -> tuple[float, float, str]:
    reader.read(picture)  # warm: first-call allocations are not the steady state
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = reader.read(picture)
        runs.append((time.perf_counter() - started) * 1000)
    return min(runs), statistics.median(runs), (result.text or "").replace("\n", " ")[:40]


def peak_rss(model_root: Path, folder: Path) -> dict:
    """A fresh process: the ingest function's models, warm, every picture once; its peak RSS."""
    script = f"""
import json, resource, sys
sys.path[:0] = [{str(REPO_ROOT / 'benchmarks')!r}, {str(REPO_ROOT / 'layers')!r}, {str(REPO_ROOT)!r}]
sys.argv = ['x']
from benchmarks.ocr import pictures
from imagedrive.inference.loader import load_models
models = load_models({str(model_root)!r})
for picture in pictures(__import__('pathlib').Path({str(folder)!r})).values():
    models.clip.embed_batch([picture]); models.ocr.read(picture)
models.clip.embed_text('a receipt'); models.clip.embed_text('一张发票')
print(json.dumps({{"peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "ocr": models.ocr.engine, "clip": models.clip.model_version}}))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=REPO_ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model-root", type=Path, default=get_settings().model_root)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int)
    args = parser.parse_args()
    from imagedrive.inference.loader import find_model_dirs
    from imagedrive.inference.ocr_doctr import DoctrReader
    from imagedrive.inference.ocr_rapid import RapidOcrReader
    from imagedrive.inference.sessions import resolve_threads

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pics = pictures(folder)
        readers = {"rapidocr": RapidOcrReader(threads=args.threads)}
        doctr = find_model_dirs(args.model_root).get("doctr")
        if doctr is not None:
            readers["doctr-onnx"] = DoctrReader(doctr, threads=args.threads)
        print(f"OCR ms per image, {resolve_threads(args.threads)} threads, best / median of {args.repeat}")
        print(f"{'picture':28} {'size':>11} " + " ".join(f"{name + ' best':>16} {'median':>7}" for name in readers))
        for name, picture in pics.items():
            cells = []
            read = ""
            for reader_name, reader in readers.items():
                best, median, text = time_reader(reader, picture, args.repeat)
                cells.append(f"{best:16.0f} {median:7.0f}")
                read = text if reader_name == "rapidocr" else read
            size = f"{picture.width}x{picture.height}"
            print(f"{name:28} {size:>11} {' '.join(cells)}   rapidocr read: {read!r}")
        print(json.dumps({"ingest_process": peak_rss(args.model_root, folder), "goal_mb": 1024}))


if __name__ == "__main__":
    main()
