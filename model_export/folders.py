"""Writing model folders without torch: int8 quantisation, the manifest with checksums, atomic swaps.

Both ways a folder is made use these: the torch exporters and the hub installer (`model_export.hub`),
which runs where torch is absent (containers, a user's run path).
"""

from __future__ import annotations

import fcntl
import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from imagedrive.inference.manifest import MANIFEST_NAME, file_sha256
from model_export import EXPORTER_VERSION


def quantize_int8(source: Path, target: Path) -> None:
    """Dynamic QInt8: weights stored as int8, activations quantised on the fly (no calibration set).

    reduce_range (7-bit weights): on CPUs without VNNI (AVX2 only) onnxruntime's u8·s8 kernels can
    saturate; measured on such a machine, the multilingual tower's int8 cosine to fp32 fell to 0.955
    with full range and is 0.9999 with reduce_range. Machines with VNNI lose nothing noticeable.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic  # imports onnx: only when quantising

    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, reduce_range=True)


def write_manifest(directory: Path, manifest: dict[str, Any]) -> None:
    files = {path.name: file_sha256(path) for path in sorted(directory.iterdir()) if path.name != MANIFEST_NAME}
    full = {**manifest, "exporter_version": EXPORTER_VERSION, "files": files}
    (directory / MANIFEST_NAME).write_text(json.dumps(full, indent=2, ensure_ascii=False) + "\n")


@contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """Build a model folder next to `target` and swap it in only when complete."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        yield staging
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def precision_variants(tag: str, files: dict[str, str], int8: bool) -> dict[str, Any]:
    """The manifest's `variants`: fp32 files by role, plus `<stem>.int8.onnx` ones when quantised."""
    variants = {"fp32": {"model_version": f"{tag}:fp32", "files": files}}
    if int8:
        int8_files = {role: name.removesuffix(".onnx") + ".int8.onnx" for role, name in files.items()}
        variants["int8"] = {"model_version": f"{tag}:int8", "files": int8_files}
    return variants


def quantize_variants(directory: Path, variants: dict[str, Any]) -> None:
    """Write every int8 file the variants name, from its fp32 file."""
    if "int8" not in variants:
        return
    for role, name in variants["int8"]["files"].items():
        quantize_int8(directory / variants["fp32"]["files"][role], directory / name)


@contextmanager
def exclusive(root: Path) -> Iterator[None]:
    """One writer per model root at a time (parallel test runs and `./dev up`s share folders)."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
