"""End-to-end ingestion throughput: S3 upload → notification → SQS → ingest handler → READY.

    .venv/bin/python benchmarks/ingest.py [--images 200] [--model-root DIR]

Runs against its own database and resources (imagedrive_bench, imagedrive-bench-*), with the
real handler driven by the local event runner, once without OCR and once with it, on a mixed set:
half photos without text (landscapes, cityscapes, smooth camera-sized scenes), half text-bearing
pictures (receipts, signs, document pages, menus, tickets, posters). Prints images/s, the mean time
per step (from each image's audit timings), the share of pictures whose detector found no text (so
recognition was skipped) and the process's peak RSS, each next to its target.
Targets on 2 cores: ≥ 15 images/s without OCR, ≥ 4 with, peak RSS ≤ 1 GB.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import time
from pathlib import Path

from bench_env import REPO_ROOT, fresh_database

from imagedrive.aws import client, queue_url
from imagedrive.db import transaction
from imagedrive.settings import get_settings
from localcloud import stack
from localcloud.runner import EventRunner, Route, load_module
from sample_data.generate import RENDERERS
from tests.fixtures.images import picture

TEXT_KINDS = ("receipts", "signs", "documents", "menus", "tickets", "posters")
PHOTO_KINDS = ("landscapes", "cityscapes", "camera")
TARGET_OCR, TARGET_PLAIN, TARGET_RSS_MB = 4.0, 15.0, 1024

STEPS = ("read", "decode", "db_pending", "thumbnail", "embed", "ocr", "db_ready")


def mixed_set(folder: Path, count: int) -> list[Path]:
    """`count` pictures, alternating text-bearing and text-free, from the sample library's renderers
    (and the tests' smooth scenes at a camera's 2048x1536 for photos bigger than the working size)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        kinds = TEXT_KINDS if n % 2 == 0 else PHOTO_KINDS
        kind = kinds[(n // 2) % len(kinds)]
        path = folder / f"{n:04d}-{kind}.jpg"
        if kind == "camera":
            path.write_bytes(picture(seed=n, size=(2048, 1536)))
        else:
            RENDERERS[kind](random.Random(f"ingest:{n}")).convert("RGB").save(path, format="JPEG", quality=90)
        paths.append(path)
    return paths


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def run(paths: list[Path], *, ocr: bool) -> dict:
    os.environ["IMAGEDRIVE_INGEST_OCR"] = "1" if ocr else "0"
    get_settings.cache_clear()
    user_id = fresh_database()
    settings = get_settings()
    function = load_module(REPO_ROOT / "functions" / "ingest" / "app.py")
    function.ingestor()  # models loaded before the clock starts, as in a warm Lambda
    runner = EventRunner([Route(settings.ingest_queue, "ingest", function.handler)], settings, wait_time_s=0)
    s3 = client("s3")
    started = time.perf_counter()
    for n, path in enumerate(paths):
        key = f"uploads/{user_id}/{n}/{path.name}"
        s3.put_object(Bucket=settings.originals_bucket, Key=key, Body=path.read_bytes())
    done = 0
    while done < len(paths):
        runner.poll_once(runner.routes[0])
        with transaction() as cur:
            cur.execute("SELECT count(*) AS n FROM images WHERE status <> 'PENDING'")
            done = cur.fetchone()["n"]
    elapsed = time.perf_counter() - started
    with transaction() as cur:
        cur.execute(
            "SELECT details->'timings_ms' AS t FROM audit_logs WHERE action = 'image_ready'"
        )
        timings = [row["t"] for row in cur.fetchall()]
        cur.execute("SELECT status, count(*) AS n FROM images GROUP BY status")
        statuses = {row["status"]: row["n"] for row in cur.fetchall()}
    means = {step: sum(t.get(step, 0) for t in timings) / max(len(timings), 1) for step in STEPS}
    reader = function.ingestor().reader
    read, recognised = getattr(reader, "pictures_read", 0), getattr(reader, "pictures_recognised", 0)
    function.ingestor.cache_clear()
    return {"images": len(paths), "seconds": elapsed, "rate": len(paths) / elapsed, "steps": means,
            "statuses": statuses, "read": read, "recognised": recognised}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--model-root", type=Path, help="default: IMAGEDRIVE_MODEL_ROOT (./dev up exports it)")
    args = parser.parse_args()
    if args.model_root:
        os.environ["IMAGEDRIVE_MODEL_ROOT"] = str(args.model_root)
    settings = get_settings()
    stack.start_cloud(settings)
    stack.ensure_models(settings)
    paths = mixed_set(REPO_ROOT / ".cache" / "bench-ingest-mixed", args.images)
    client("sqs").purge_queue(QueueUrl=queue_url(settings.ingest_queue))
    print(f"ingest benchmark: {len(paths)} images (half text-bearing: {', '.join(TEXT_KINDS)}; half without "
          f"text: {', '.join(PHOTO_KINDS)}), models {settings.model_root}, {os.cpu_count()} cores")
    for ocr in (False, True):
        result = run(paths, ocr=ocr)
        steps = "  ".join(f"{k}={v:.1f}" for k, v in result["steps"].items())
        target = TARGET_OCR if ocr else TARGET_PLAIN
        print(f"{'with OCR   ' if ocr else 'without OCR'}: {result['rate']:.2f} images/s, target ≥ {target:g}: "
              f"{verdict(result['rate'] >= target)} ({result['rate'] / target:.2f}x; {result['seconds']:.1f} s)  "
              f"{result['statuses']}")
        print(f"  mean ms per image: {steps}")
        if ocr:
            skipped = result["read"] - result["recognised"]
            print(f"  recognition skipped (detector found no text): {skipped}/{result['read']} pictures "
                  f"({skipped / max(result['read'], 1):.0%}; half the set has no text)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the ingest process: {peak:.0f} MB, target ≤ {TARGET_RSS_MB}: {verdict(peak <= TARGET_RSS_MB)}")


if __name__ == "__main__":
    main()
