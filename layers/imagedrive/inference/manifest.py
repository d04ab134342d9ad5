"""A model folder's manifest.json: what its files are, how to feed them, and their checksums.

The exporter writes it, the runtime reads nothing else, so downstream code does not care whether
the weights are real or seeded random ones.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST_NAME = "manifest.json"
_verified: set[Path] = set()
_verify_lock = threading.Lock()


class ManifestError(Exception):
    """A model folder is missing, incomplete, or does not match its manifest."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Manifest:
    directory: Path
    data: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.data["kind"])

    @property
    def precisions(self) -> list[str]:
        return list(self.data["variants"])

    @property
    def provenance(self) -> str:
        """Where the weights came from: "random-init", "export:<checkpoint>" or "hub:<repo>@<revision>".

        Folders exported before the manifest said so are read from their `source` options."""
        if "provenance" in self.data:
            return str(self.data["provenance"])
        if self.data.get("source", {}).get("random_init", True):
            return "random-init"
        return "export:" + self.model_version(self.precisions[0]).rsplit(":", 1)[0]

    def model_version(self, precision: str = "fp32") -> str:
        return str(self._variant(precision)["model_version"])

    def model_file(self, role: str, precision: str = "fp32") -> Path:
        """The ONNX file playing `role` ("vision", "text", "detection"…), checksum verified."""
        return self.verified_path(self._variant(precision)["files"][role])

    def verified_path(self, name: str) -> Path:
        """A file of the folder, its sha256 checked against the manifest once per process."""
        path = self.directory / name
        expected = self.data["files"].get(name)
        if expected is None:
            raise ManifestError(f"{name} is not listed in {self.directory / MANIFEST_NAME}")
        with _verify_lock:
            if path in _verified:
                return path
            if not path.is_file():
                raise ManifestError(f"{path} is missing")
            if file_sha256(path) != expected:
                raise ManifestError(f"{path} does not match the sha256 in its manifest")
            _verified.add(path)
        return path

    def _variant(self, precision: str) -> dict[str, Any]:
        try:
            variant: dict[str, Any] = self.data["variants"][precision]
            return variant
        except KeyError:
            raise ManifestError(
                f"{self.directory} has no {precision!r} variant (it has {', '.join(self.precisions)})"
            ) from None


def load_manifest(model_dir: str | Path, kind: str | None = None) -> Manifest:
    """The folder's manifest; with `kind`, also check the folder holds that kind of model."""
    directory = Path(model_dir).resolve()
    path = directory / MANIFEST_NAME
    if not path.is_file():
        raise ManifestError(f"no {MANIFEST_NAME} in {directory}; export one with `python -m model_export`")
    manifest = Manifest(directory, json.loads(path.read_text()))
    if kind is not None and manifest.kind != kind:
        raise ManifestError(f"{directory} holds a {manifest.kind!r} model, not {kind!r}")
    return manifest


def find_model_dirs(model_root: Path) -> dict[str, Path]:
    """kind ("clip", "clip-multilingual", "doctr") → folder, for each folder below the root with a manifest."""
    found: dict[str, Path] = {}
    for manifest_path in sorted(Path(model_root).glob(f"*/{MANIFEST_NAME}")):
        kind = load_manifest(manifest_path.parent).kind
        if kind in found:
            raise ManifestError(f"two {kind!r} models under {model_root}: {found[kind]} and {manifest_path.parent}")
        found[kind] = manifest_path.parent
    return found
