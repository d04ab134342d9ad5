"""A local HTTP server that plays the Hugging Face hub: the real repositories' URL layout
(`/{repo}/resolve/{revision}/{path}`), serving files exported here with seeded random weights, and
able to misbehave the ways a real download can (a short body, a connection that drops, a server
that dies mid-file)."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import torch
from safetensors.numpy import save_file
from tokenizers import Tokenizer, models
from torch import nn

from model_export.clip_export import build_clip
from model_export.hub_catalog import CATALOG, HubFile, HubRepo
from model_export.multilingual_export import build_tower, read_vocab
from model_export.onnx_io import export_onnx
from model_export.options import ExportOptions
from tests.fixtures.hub_files import Encoder


class MaskedTextTower(nn.Module):
    """CLIP's text tower taking an attention mask too, as some hub exports of it do."""

    def __init__(self, clip: nn.Module) -> None:
        super().__init__()
        self.clip = clip

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        output = self.clip.text_model(input_ids=input_ids, attention_mask=attention_mask)
        return self.clip.text_projection(output.pooler_output)


def _clip_tokenizer_json(clip_dir: Path, target: Path) -> None:
    """An HF BPE tokenizer.json (Xenova's layout) holding the test CLIP folder's vocabulary and merges."""
    vocab = json.loads((clip_dir / "vocab.json").read_text(encoding="utf-8"))
    lines = (clip_dir / "merges.txt").read_text(encoding="utf-8").splitlines()
    merges = [tuple(line.split()) for line in lines if line and not line.startswith("#version")]
    Tokenizer(models.BPE(vocab=vocab, merges=merges, end_of_word_suffix="</w>")).save(str(target))


@pytest.fixture(scope="session")
def hub_files(model_root: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    """kind → {role: file} for the pinned repositories, made from the small random-init test models
    (the same seed and config as `model_root`, so installed towers can be compared with them)."""
    out = tmp_path_factory.mktemp("hub")
    clip = model_root / "clip"
    _clip_tokenizer_json(clip, out / "clip-tokenizer.json")
    multilingual = model_root / "clip-multilingual"
    tower = build_tower(ExportOptions(random_init=True, small=True), len(read_vocab(multilingual)))
    ids = torch.tensor([[101, 1000, 1001, 102], [101, 1002, 102, 0]], dtype=torch.int64)
    axes = {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
            "last_hidden_state": {0: "batch", 1: "sequence"}}
    export_onnx(Encoder(tower.encoder), (ids, (ids != 0).long()), out / "model.onnx",
                ["input_ids", "attention_mask"], "last_hidden_state", axes)
    save_file({"linear.weight": tower.projection.weight.detach().numpy()}, str(out / "dense.safetensors"))
    tokens = torch.tensor([[49406, 320, 49407, 49407]], dtype=torch.int64)
    masked = MaskedTextTower(build_clip(ExportOptions(random_init=True, small=True)))
    export_onnx(masked, (tokens, torch.ones_like(tokens)), out / "masked_text_model.onnx",
                ["input_ids", "attention_mask"], "text_embeds",
                {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
                 "text_embeds": {0: "batch"}})
    return {
        "clip": {"vision": clip / "vision.onnx", "text": clip / "text.onnx", "tokenizer": out / "clip-tokenizer.json",
                 "masked-text": out / "masked_text_model.onnx"},
        "clip-multilingual": {"encoder": out / "model.onnx", "dense": out / "dense.safetensors",
                              "tokenizer": multilingual / "tokenizer.json", "vocab": multilingual / "vocab.txt"},
    }


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def hub_catalog(hub_files: dict[str, dict[str, Path]]) -> dict[str, HubRepo]:
    """The real catalogue (repositories, revisions, paths) pinned to the served files' digests; the
    multilingual encoder keeps no digest, as in the real catalogue."""
    catalog = {}
    for kind, repo in CATALOG.items():
        files = {role: HubFile(pinned.path, _sha256(hub_files[kind][role]) if pinned.sha256 else None,
                               hub_files[kind][role].stat().st_size if pinned.size else None)
                 for role, pinned in repo.files.items()}
        catalog[kind] = replace(repo, files=files)
    return catalog


@dataclass
class FakeHub:
    """What the server serves and how it misbehaves, keyed by the file's path in its repository."""

    files: dict[str, bytes]
    url: str = ""
    short_body: dict[str, int] = field(default_factory=dict)  # path → bytes served, announced as the length
    drop_after: dict[str, int] = field(default_factory=dict)  # path → bytes sent before the connection drops
    die_after: dict[str, int] = field(default_factory=dict)  # path → bytes sent before the whole server stops
    requests: list[str] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@pytest.fixture
def fake_hub(hub_files: dict[str, dict[str, Path]], monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    """A running fake hub, with HF_ENDPOINT pointing at it."""
    served = {f"/{repo.repo}/resolve/{repo.revision}/{file.path}": hub_files[kind][role].read_bytes()
              for kind, repo in CATALOG.items() for role, file in repo.files.items()}
    hub = FakeHub(served)

    class Handler(BaseHTTPRequestHandler):
        def do_HEAD(self) -> None:
            self._answer(body=False)

        def do_GET(self) -> None:
            self._answer(body=True)

        def _answer(self, body: bool) -> None:
            hub.requests.append(f"{self.command} {self.path}")
            data = hub.files.get(self.path)
            if data is None:
                self.send_error(404, "Entry not found")
                return
            path = self.path.split("/resolve/", 1)[1].split("/", 1)[1]
            if path in hub.short_body:
                data = data[: hub.short_body[path]]
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if not body:
                return
            cut = hub.drop_after.get(path, hub.die_after.get(path))
            self.wfile.write(data if cut is None else data[:cut])
            self.wfile.flush()
            if cut is not None:
                self.close_connection = True
            if path in hub.die_after:
                threading.Thread(target=hub.stop).start()

        def log_message(self, *args: object) -> None:
            pass

    hub.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    hub.url = f"http://127.0.0.1:{hub.server.server_address[1]}"
    threading.Thread(target=hub.server.serve_forever, daemon=True).start()
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    yield hub
    hub.stop()
