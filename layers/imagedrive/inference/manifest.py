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
        return self.data["kind"]

    @property
    def precisions(self) -> list[str]:
        return list(self.data["variants"])

    def model_version(self, precision: str = "fp32") -> str:
        return self._variant(precision)["model_version"]

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
            return self.data["variants"][precision]
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
