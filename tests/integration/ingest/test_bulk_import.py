"""`python -m imagedrive import`: killed halfway, resumed, ends with exactly N images."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from localcloud.paths import REPO_ROOT
from tests.fixtures import images
from tests.fixtures.ingest import image_rows, make_user

N = 12


def _write_folder(root) -> None:
    for n in range(N):
        folder = root / ("receipts" if n % 2 else "scenes")
        folder.mkdir(exist_ok=True)
        (folder / f"img {n}.jpg").write_bytes(images.picture(500 + n))


def _import(folder, *extra: str) -> subprocess.Popen:
    argv = [sys.executable, "-m", "imagedrive", "import", str(folder), "--owner", "alice",
            "--chunk-size", "3", "--batch-size", "2", "--no-ocr", *extra]
    return subprocess.Popen(argv, cwd=REPO_ROOT, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_an_import_killed_halfway_and_resumed_ends_with_exactly_n_images(tmp_path, models, cloud, clean_db):
    alice = make_user("alice")
    _write_folder(tmp_path)

    dry = _import(tmp_path, "--dry-run")
    out, _ = dry.communicate(timeout=120)
    assert json.loads(out.splitlines()[-1])["found"] == N and image_rows(alice) == []

    first = _import(tmp_path)
    deadline = time.monotonic() + 120
    while sum(r["status"] == "READY" for r in image_rows(alice)) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    first.send_signal(signal.SIGKILL)
    first.wait()
    interrupted = len(image_rows(alice))
    assert 3 <= interrupted < N, "the first run was killed partway"

    second = _import(tmp_path, "--category-from-dirname")
    out, err = second.communicate(timeout=300)
    assert second.returncode == 0, err.decode()[-2000:]
    report = json.loads(out.splitlines()[-1])
    assert report["found"] == N and report["already_ready"] >= 3
    rows = image_rows(alice)
    assert len(rows) == N and all(r["status"] == "READY" for r in rows)
    assert len({r["checksum"] for r in rows}) == N
    assert "import" in err.decode(), "a progress bar is shown"
