"""Search quality you can measure: CLIP text→image retrieval and OCR reading and search.

    .venv/bin/python benchmarks/quality.py [--model-root DIR ...] [--per-category 3] [--ocr-images 240]
        [--working-sides 1600] [--detect-sides 960] [--detectors max] [--backgrounds B] [--skip-clip] [--skip-ocr]

CLIP, per model version: recall@1/5/10 and MRR of text→image over the sample library, where each
category's prompt and a few plain captions must find that category's pictures. The script prints
where the weights come from (the manifest's `source`): random-init weights score near chance, and
it says so.

OCR, per working size and detector setting: character accuracy (1 - edit distance / length, spaces
ignored, since PP-OCR often drops them) and OCR-search recall@1/5 over a generated labelled set
(English and Chinese, 12 to 56 px text, turned 0 to 180°, on white, colours, photos, transparent PNGs,
and small text on large photos), where each picture carries one code only it has and the search
is the drive's own SQL (`imagedrive.search.repository.PostgresSearchRepository.find_text`) over the
texts read. Runs against the benchmark database (imagedrive_bench).
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from bench_env import fresh_database
from psycopg2.extras import execute_values
from rapidfuzz.distance import Levenshtein

from imagedrive.db import transaction
from imagedrive.inference.clip import ClipEmbedder
from imagedrive.inference.loader import find_model_dirs
from imagedrive.inference.manifest import load_manifest
from imagedrive.inference.ocr_rapid import RapidOcrReader
from imagedrive.search.repository import PostgresSearchRepository
from imagedrive.settings import get_settings
from sample_data.generate import CATEGORIES, generate
from tests.fixtures import images

# Plain captions a user might type, labelled with the category they mean.
CAPTIONS = {
    "receipts": ["a receipt from a supermarket"], "menus": ["a menu with dishes and prices"],
    "landscapes": ["mountains under a blue sky"], "cityscapes": ["tall buildings in a city"],
    "charts": ["a bar chart"], "business-cards": ["a business card with a phone number"],
    "tickets": ["a train ticket"], "signs": ["a road sign"],
}
ENGLISH = ("INVOICE TOTAL RECEIPT PARKING EXIT STATION PLATFORM COFFEE MARKET HARBOR GARDEN OFFICE TICKET "
           "MUSEUM BRIDGE SCHOOL").split()
CHINESE = ("发票 收据 金额 合计 北京 上海 中关村 海淀区 大街 会议 纪要 销售 目标 车站 出口 停车 咖啡 市场 "
           "公园 学校 博物馆 银行 医院 超市").split()
SIZES = (12, 16, 20, 28, 40, 56)
ANGLES = (0, 0, 0, 4, -8, 15, 30, 90, 180)
BACKGROUNDS = ("white", "colour", "photo", "transparent", "large photo")


@dataclass(frozen=True)
class Sample:
    data: bytes
    truth: str
    query: str  # a code or word pair only this picture has
    kind: str  # "en" / "zh"
    background: str


def model_source(manifest_dir: Path) -> str:
    """Where the weights come from, in words: 'random-init' when the manifest says so."""
    source = load_manifest(manifest_dir).data.get("source")
    if isinstance(source, dict):
        if source.get("random_init") or source.get("kind") == "random-init":
            return "random-init (near-chance figures expected)"
        return ", ".join(f"{k}={v}" for k, v in source.items())
    return str(source or "unknown")


# -- CLIP ---------------------------------------------------------------------------------------


def clip_quality(model_root: Path, library: Path) -> None:
    dirs = find_model_dirs(model_root)
    embedder = ClipEmbedder(dirs["clip"], dirs.get("clip-multilingual"))
    paths = sorted(library.glob("*/*"))
    labels = [path.parent.name for path in paths]
    vectors = embedder.embed_batch(paths, batch_size=16).vectors
    matrix = np.stack(vectors)
    queries = [(prompt, category) for category, prompt in CATEGORIES.items()]
    queries += [(caption, category) for category, captions in CAPTIONS.items() for caption in captions]
    ranks = []
    for text, category in queries:
        order = np.argsort(-(matrix @ embedder.embed_text(text)), kind="stable")
        ranks.append(next(r for r, i in enumerate(order, 1) if labels[i] == category))
    # Expected rank of the first of r relevant among N shuffled items: (N + 1) / (r + 1).
    chance = np.mean([(len(paths) + 1) / (labels.count(c) + 1) for _, c in queries])
    print(f"\nCLIP {embedder.model_version} — weights: {model_source(dirs['clip'])}")
    print(f"  {len(queries)} queries over {len(paths)} images in {len(CATEGORIES)} categories "
          f"(first relevant at random: rank ≈ {chance:.1f})")
    _print_ranks(ranks, (1, 5, 10))


def _print_ranks(ranks: list[int], ks: tuple[int, ...]) -> None:
    arr = np.array(ranks, dtype=float)
    recall = "  ".join(f"recall@{k} {np.mean(arr <= k):.3f}" for k in ks)
    print(f"  {recall}  MRR {np.mean(1 / arr):.3f}")


# -- OCR ----------------------------------------------------------------------------------------


def ocr_samples(count: int, seed: int = 7) -> list[Sample]:
    rng = random.Random(seed)
    samples = []
    for n in range(count):
        kind = "zh" if n % 2 else "en"
        size, angle, background = rng.choice(SIZES), rng.choice(ANGLES), BACKGROUNDS[n // 2 % len(BACKGROUNDS)]
        if kind == "en":
            query = f"{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}{n:04d}"
            truth = f"{rng.choice(ENGLISH)} {query}"
        else:
            first, second = rng.sample(CHINESE, 2)
            query = f"{first}{second}{n:03d}"
            truth = f"{query} {rng.choice(CHINESE)}"
        spec: dict = {"size": size, "angle": angle, "cjk": kind == "zh"}
        if background == "colour":
            spec |= {"background": tuple(rng.randrange(0, 90) for _ in range(3)),
                     "colour": tuple(rng.randrange(180, 256) for _ in range(3))}
        elif background == "photo":
            spec |= {"photo_seed": n, "canvas": (800, 600), "colour": "white"}
        elif background == "large photo":  # the working size decides whether this stays legible
            spec |= {"photo_seed": n, "canvas": (4000, 3000), "colour": "white", "size": max(size, 28), "fmt": "JPEG"}
        elif background == "transparent":
            spec |= {"transparent": True}
        samples.append(Sample(images.text_picture(truth, **spec), truth, query, kind, background))
    return samples


def char_accuracy(truth: str, read: str | None) -> float:
    a, b = "".join(truth.split()), "".join((read or "").split())
    return max(0.0, 1 - Levenshtein.distance(a, b) / len(a))


def ocr_quality(samples: list[Sample], side: int, detect_side: int, detector: str) -> None:
    limit_type, limit = detector[:3], detector[3:]  # "max", or "min736" (RapidOCR's default)
    reader = RapidOcrReader(working_side=side, detect_side=detect_side, detector={"det_limit_type": limit_type,
                                                         **({"det_limit_side_len": int(limit)} if limit else {})})
    reader.read(samples[0].data)  # warm
    started = time.perf_counter()
    read = [reader.read(sample.data).text for sample in samples]
    elapsed = (time.perf_counter() - started) / len(samples) * 1000
    user_id = fresh_database()
    with transaction() as cur:
        ids = [row["id"] for row in execute_values(
            cur, """INSERT INTO images (owner_id, uri, filename, checksum, size, status, ready_at)
                    SELECT v.owner, 's3://bench/' || v.n, v.n || '.png', encode(sha256(v.n::text::bytea), 'hex'),
                           1, 'READY', now()
                    FROM (VALUES %s) AS v(owner, n) RETURNING id""",
            [(user_id, n) for n in range(len(samples))], fetch=True)]
        execute_values(cur, "INSERT INTO ocr_texts (image_id, text, engine, model) VALUES %s",
                       [(i, text, reader.engine, reader.model) for i, text in zip(ids, read, strict=True) if text])
    ranks, accuracy = [], []
    for image_id, sample, text in zip(ids, samples, read, strict=True):
        hits = [match.row["id"] for match in PostgresSearchRepository().find_text(user_id, sample.query, 10)]
        ranks.append(hits.index(image_id) + 1 if image_id in hits else 10**6)
        accuracy.append(char_accuracy(sample.truth, text))
    print(f"\nOCR rapidocr working side {side}, detection side {detect_side}, detector {limit_type} {limit}: "
          f"{elapsed:.0f} ms/image")
    for label, keep in (("all", lambda s: True), ("English", lambda s: s.kind == "en"),
                        ("Chinese", lambda s: s.kind == "zh")):
        chosen = [i for i, s in enumerate(samples) if keep(s)]
        exact = np.mean([accuracy[i] == 1.0 for i in chosen])
        print(f"  {label:8} n={len(chosen):3}  char accuracy {np.mean([accuracy[i] for i in chosen]):.3f}  "
              f"exact {exact:.3f}", end="")
        _print_ranks([ranks[i] for i in chosen], (1, 5))
    for background in BACKGROUNDS:
        chosen = [i for i, s in enumerate(samples) if s.background == background]
        if not chosen:
            continue
        print(f"    {background:12} char accuracy {np.mean([accuracy[i] for i in chosen]):.3f}  "
              f"recall@1 {np.mean([ranks[i] <= 1 for i in chosen]):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model-root", type=Path, action="append", help="repeat to compare model versions")
    parser.add_argument("--per-category", type=int, default=3)
    parser.add_argument("--ocr-images", type=int, default=240)
    parser.add_argument("--working-sides", default="1600", help="comma-separated long sides to compare")
    parser.add_argument("--detect-sides", default="960", help="comma-separated long sides the detector sees")
    parser.add_argument("--detectors", default="max",
                        help="comma-separated: max (the picture as it is), min736 (short side enlarged to 736)")
    parser.add_argument("--backgrounds", help=f"comma-separated subset of {', '.join(BACKGROUNDS)}")
    parser.add_argument("--skip-clip", action="store_true")
    parser.add_argument("--skip-ocr", action="store_true")
    args = parser.parse_args()
    if not args.skip_clip:
        library = Path(get_settings().run_dir) / "quality-library"
        generate(library, per_category=args.per_category)
        for root in args.model_root or [get_settings().model_root]:
            clip_quality(root, library)
    if not args.skip_ocr:
        samples = ocr_samples(args.ocr_images)
        if args.backgrounds:
            samples = [s for s in samples if s.background in args.backgrounds.split(",")]
        print(f"\nOCR labelled set: {len(samples)} images (half English, half Chinese)")
        for side in (int(s) for s in args.working_sides.split(",")):
            for detect_side in (int(s) for s in args.detect_sides.split(",")):
                for detector in args.detectors.split(","):
                    ocr_quality(samples, side, detect_side, detector)


if __name__ == "__main__":
    main()
