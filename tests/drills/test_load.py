"""Load drill: 50 concurrent clients for 60 s mixing uploads, listing and every search kind against the
local API (`chalice local`, started by the project's fixture) → no response ≥ 500; p50/p95 per route
printed. locust drives the load in its own process (tests/drills/load_locustfile.py).

IMAGEDRIVE_LOAD_CLIENTS (50) and IMAGEDRIVE_LOAD_DURATION_S (60) change the load (clients join ten a
second, as people arrive, not in one burst at the listening socket); the figures are
printed, never asserted (a busy 2-core machine is not a benchmark)."""

from __future__ import annotations

import base64
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from imagedrive.ingest.pipeline import IngestItem, Ingestor, Status
from localcloud.paths import REPO_ROOT
from tests.fixtures import images
from tests.fixtures.cloud import drain
from tests.fixtures.ingest import put

CLIENTS = int(os.environ.get("IMAGEDRIVE_LOAD_CLIENTS", "50"))
DURATION_S = int(os.environ.get("IMAGEDRIVE_LOAD_DURATION_S", "60"))
ACCOUNTS = 5
PASSWORD = "load drill password 1234"


def _library(models, cloud) -> list[int]:
    """30 system pictures (visible to every account), ingested by the real pipeline (no OCR: faster)."""
    ingestor = Ingestor(models.clip, None, cloud)
    refs = [put(f"drop/system/load/{n}.jpg", images.picture(5000 + n, size=(160, 120))) for n in range(30)]
    outcomes = ingestor.ingest([IngestItem(ref) for ref in refs])
    assert all(o.status in (Status.READY, Status.DUPLICATE) for o in outcomes), [o.reason for o in outcomes]
    return [o.image_id for o in outcomes if o.image_id is not None]


def _accounts(api_url: str) -> list[dict]:
    tokens = []
    for n in range(ACCOUNTS):
        username = f"load{n}-{os.getpid()}"
        body = {"username": username, "password": PASSWORD}
        assert requests.post(f"{api_url}/auth/register", json=body, timeout=60).status_code == 201
        login = requests.post(f"{api_url}/auth/login", json=body, timeout=60)
        assert login.status_code == 200, login.text
        tokens.append({"token": login.json()["access_token"]})
    return tokens


def _report(stats_csv: Path) -> list[dict]:
    with stats_csv.open() as f:
        rows = list(csv.DictReader(f))
    print(f"\nload drill: {CLIENTS} clients for {DURATION_S} s")
    print(f"{'route':32} {'requests':>8} {'failed':>6} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>7}")
    for row in rows:
        print(f"{row['Name']:32} {row['Request Count']:>8} {row['Failure Count']:>6} {row['50%']:>8} "
              f"{row['95%']:>8} {float(row['Requests/s']):>7.1f}")
    return rows


@pytest.mark.timeout(DURATION_S + 600)
def test_fifty_clients_for_a_minute_get_no_response_of_500_or_more(api_url, models, cloud, tmp_path):
    image_ids = _library(models, cloud)
    env = {
        **os.environ,
        "IMAGEDRIVE_LOAD_ACCOUNTS": json.dumps(_accounts(api_url)),
        "IMAGEDRIVE_LOAD_IMAGE_IDS": json.dumps(image_ids),
        "IMAGEDRIVE_LOAD_PICTURE": base64.b64encode(images.picture(77, size=(128, 96))).decode(),
    }
    result = subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(Path(__file__).with_name("load_locustfile.py")), "--headless",
         "--users", str(CLIENTS), "--spawn-rate", "10", "--run-time", f"{DURATION_S}s", "--host", api_url,
         "--csv", str(tmp_path / "load"), "--only-summary", "--stop-timeout", "30", "--exit-code-on-error", "0"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=DURATION_S + 300,
    )
    drain(cloud.ingest_queue)  # the uploads' notifications: nothing consumes them in this drill
    assert result.returncode == 0, result.stderr[-3000:]
    rows = _report(tmp_path / "load_stats.csv")
    total = next(r for r in rows if r["Name"] == "Aggregated")
    with (tmp_path / "load_failures.csv").open() as f:
        failures = list(csv.DictReader(f))
    unanswered = sum(int(f["Occurrences"]) for f in failures if "no response" in f["Error"])
    print(f"requests without any response (connection refused or reset by chalice local): {unanswered}")
    assert int(total["Request Count"]) > 0
    assert [f for f in failures if "no response" not in f["Error"]] == [], "responses ≥ 500"
    # chalice local's socketserver keeps a listen backlog of 5: a rare refused connection is its limit, not
    # the drive's; more than 1 % would be something else.
    assert unanswered <= int(total["Request Count"]) // 100, failures
    routes = {r["Name"] for r in rows}
    assert {"GET /images", "POST /search/text", "POST /search/image", "POST /search/ocr", "POST /search/hybrid",
            "GET /images/{id}/similar", "GET /images/duplicates", "POST /upload"} <= routes
