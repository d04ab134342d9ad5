"""Export whatever model folders under a root are missing or stale, and nothing else.

The run command and the test fixtures call this: a fresh checkout gets random-init models once,
later runs reuse them until EXPORTER_VERSION or the requested options change.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from imagedrive.inference.manifest import MANIFEST_NAME, Manifest
from imagedrive.inference.provenance import RANDOM_INIT
from model_export import EXPORTER_VERSION
from model_export.clip_export import export_clip
from model_export.doctr_export import export_doctr
from model_export.folders import exclusive, staged_folder
from model_export.multilingual_export import export_multilingual
from model_export.options import ExportOptions

Exporter = Callable[[Path, ExportOptions], dict[str, Any]]
EXPORTERS: dict[str, Exporter] = {
    "clip": export_clip,
    "clip-multilingual": export_multilingual,
    "doctr": export_doctr,
}


def export_folder(kind: str, out: Path, options: ExportOptions) -> dict[str, Any]:
    """Export one model into `out`, replacing it only once the new folder is complete."""
    with staged_folder(out) as staging:
        return EXPORTERS[kind](staging, options)


def ensure(root: Path, options: ExportOptions, kinds: tuple[str, ...] = tuple(EXPORTERS)) -> list[str]:
    """Bring ROOT/<kind> up to date for each kind; returns the kinds that were (re-)exported."""
    exported = []
    with exclusive(root):
        for kind in kinds:
            # CLIP towers always get their int8 variant (the runtime default); doctr has no small config.
            wanted = replace(options, int8=kind != "doctr", small=options.small and kind != "doctr")
            if not _up_to_date(root / kind, wanted):
                export_folder(kind, root / kind, wanted)
                exported.append(kind)
    return exported


def _up_to_date(directory: Path, options: ExportOptions) -> bool:
    path = directory / MANIFEST_NAME
    if not path.is_file():
        return False
    manifest = json.loads(path.read_text())
    if options.random_init and Manifest(directory, manifest).provenance != RANDOM_INIT:
        return True  # real weights (from the hub or an export) are never replaced by random ones
    return manifest.get("exporter_version") == EXPORTER_VERSION and manifest.get("source") == options.source()
