"""End-to-end ingestion throughput: S3 upload → notification → SQS → ingest handler → READY.

    .venv/bin/python benchmarks/ingest.py [--images 200] [--model-root DIR]

Runs against its own database and resources (imagedrive_bench, imagedrive-bench-*), with the
real handler driven by the local event runner, once without OCR and once with it. Prints
images/s, the mean time per step (from each image's audit timings) and the process's peak RSS.
Targets on 2 cores: ≥ 15 images/s without OCR, ≥ 4 with.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

from bench_env import REPO_ROOT, fresh_database

from imagedrive.aws import client, queue_url
from imagedrive.db import transaction
from imagedrive.settings import get_settings
from localcloud import stack
from localcloud.runner import EventRunner, Route, load_module
from sample_data.generate import generate

STEPS = ("read", "decode", "db_pending", "thumbnail", "embed", "ocr", "db_ready")


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
    return {"images": len(paths), "seconds": elapsed, "rate": len(paths) / elapsed, "steps": means,
            "statuses": statuses}


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
    per_category = -(-args.images // 12)
    paths = generate(REPO_ROOT / ".cache" / "bench-sample", per_category=per_category)[: args.images]
    client("sqs").purge_queue(QueueUrl=queue_url(settings.ingest_queue))
    print(f"ingest benchmark: {len(paths)} sample images, models {settings.model_root}, {os.cpu_count()} cores")
    for ocr in (False, True):
        result = run(paths, ocr=ocr)
        steps = "  ".join(f"{k}={v:.1f}" for k, v in result["steps"].items())
        target = 4 if ocr else 15
        print(f"{'with OCR   ' if ocr else 'without OCR'}: {result['rate']:.2f} images/s "
              f"({result['seconds']:.1f} s; target ≥ {target}: {result['rate'] / target:.2f}x)  {result['statuses']}")
        print(f"  mean ms per image: {steps}")
    print(f"peak RSS of the ingest process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
