"""./dev up's model step: where no hub answers, real weights already installed stay, and it says so."""

import json
import shutil
import socket

from imagedrive.inference.manifest import MANIFEST_NAME
from imagedrive.settings import Settings
from localcloud.stack import ensure_models


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_hub_keeps_real_weights_and_says_so(model_root, tmp_path, monkeypatch, capfd):
    root = tmp_path / "models"
    for kind in ("clip", "clip-multilingual"):  # manifests of real weights from an older pin
        shutil.copytree(model_root / kind, root / kind, ignore=shutil.ignore_patterns("*.onnx"))
        path = root / kind / MANIFEST_NAME
        path.write_text(json.dumps(json.loads(path.read_text()) | {"provenance": f"hub:someone/{kind}@0ld"}))
    shutil.copytree(model_root / "doctr", root / "doctr")  # random-init, up to date: nothing to export
    before = {kind: (root / kind / MANIFEST_NAME).read_text() for kind in ("clip", "clip-multilingual", "doctr")}
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{_closed_port()}")

    ensure_models(Settings(model_root=root))

    out = capfd.readouterr().out
    assert "no model hub reachable" in out
    assert "exported: nothing" in out
    assert {kind: (root / kind / MANIFEST_NAME).read_text() for kind in before} == before
