"""Writing model folders without torch: int8 variants, the manifest with checksums, atomic swaps.

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
    """The manifest's `variants`: fp32 files by role, plus `<stem>.int8.onnx` ones when quantised.

    A vision tower's int8 is static QDQ (model_export.quantisation), whose image vectors differ from
    the dynamic int8 of earlier exports: its model_version says so, so the two never share an index."""
    variants: dict[str, Any] = {"fp32": {"model_version": f"{tag}:fp32", "files": files}}
    if int8:
        from model_export.quantisation import STATIC_SCHEME

        int8_files = {role: name.removesuffix(".onnx") + ".int8.onnx" for role, name in files.items()}
        schemes = {role: STATIC_SCHEME if role == "vision" else "dynamic" for role in files}
        stem = f"{tag}:{STATIC_SCHEME}" if "vision" in files else tag
        variants["int8"] = {"model_version": f"{stem}:int8", "files": int8_files, "quantisation": schemes}
    return variants


def quantize_variants(directory: Path, variants: dict[str, Any]) -> None:
    """Write every int8 file the variants name, from its fp32 file (the vision tower calibrated on the
    sample library, see model_export.quantisation).

    Weights the calibration does not suit (a vision tower whose static int8 falls below cosine 0.99
    to fp32 on a held-out image) get dynamic int8 instead, and `variants` is updated to say so."""
    if "int8" not in variants:
        return
    from model_export.calibration import HELD_OUT_SEED, sample_pixels
    from model_export.quantisation import (
        MIN_IMAGE_COSINE,
        quantize_dynamic_int8,
        quantize_static_int8,
        worst_image_cosine,
    )

    int8 = variants["int8"]
    for role, name in int8["files"].items():
        source, target = directory / variants["fp32"]["files"][role], directory / name
        if role != "vision":
            quantize_dynamic_int8(source, target)
            continue
        quantize_static_int8(source, target, sample_pixels())
        if worst_image_cosine(source, target, sample_pixels(HELD_OUT_SEED, per_category=2)) < MIN_IMAGE_COSINE:
            quantize_dynamic_int8(source, target)
            int8["quantisation"][role] = "dynamic"
            int8["model_version"] = variants["fp32"]["model_version"].removesuffix(":fp32") + ":int8"


@contextmanager
def exclusive(root: Path) -> Iterator[None]:
    """One writer per model root at a time (parallel test runs and `./dev up`s share folders)."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
