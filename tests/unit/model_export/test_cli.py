"""The `python -m model_export` command: ensure, verify, and failing clearly."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from model_export import EXPORTER_VERSION
from model_export.ensure import ensure
from model_export.options import ExportOptions

REPO_ROOT = Path(__file__).resolve().parents[3]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT / "layers"), str(REPO_ROOT)])}
    return subprocess.run([sys.executable, "-m", "model_export", *args], capture_output=True, text=True, env=env)


def test_ensure_reexports_only_what_is_stale(model_root, tmp_path):
    options = ExportOptions(random_init=True, small=True)
    assert ensure(model_root, options) == []  # the session fixture already exported everything
    root = tmp_path / "root"
    shutil.copytree(model_root / "doctr", root / "doctr")
    manifest_path = root / "doctr" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    assert manifest["exporter_version"] == EXPORTER_VERSION
    manifest_path.write_text(json.dumps({**manifest, "exporter_version": "0"}))
    assert ensure(root, options, kinds=("doctr",)) == ["doctr"]
    assert json.loads(manifest_path.read_text())["exporter_version"] == EXPORTER_VERSION
    assert ensure(root, options, kinds=("doctr",)) == []
    assert ensure(root, ExportOptions(random_init=True, seed=1), kinds=("doctr",)) == ["doctr"]


def test_cli_verify_passes_and_fails(model_root, tmp_path):
    passed = run_cli("verify", str(model_root / "clip-multilingual"))
    assert passed.returncode == 0, passed.stderr
    assert "ok" in passed.stdout and "FAIL" not in passed.stdout
    tampered = tmp_path / "clip-multilingual"
    shutil.copytree(model_root / "clip-multilingual", tampered)
    (tampered / "vocab.txt").write_text("[PAD]\n")
    failed = run_cli("verify", str(tampered))
    assert failed.returncode != 0
    assert "sha256" in failed.stderr


def test_real_weights_fail_clearly_when_the_hub_is_unreachable(tmp_path):
    result = run_cli("doctr", "--out", str(tmp_path / "doctr"))
    assert result.returncode == 2
    assert "--random-init" in result.stderr
    assert not (tmp_path / "doctr").exists()
