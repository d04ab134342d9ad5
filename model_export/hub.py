"""Real CLIP weights without torch: install the pinned hub exports under a model root.

    python -m model_export.hub --out .cache/models/local [--only clip,clip-multilingual]

Exit 0: the folders hold the pinned hub weights (installed now or already); 3: no hub answered
(the caller falls back to `python -m model_export ensure --random-init`); 2: the hub answered but a
file was wrong (sha256, size, truncated, signature) — the message says which. In every failure the
folders that were there stay untouched: each is built beside its target and swapped in only once
all requested folders are complete and verified.
"""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import ExitStack
from pathlib import Path

from imagedrive.inference.manifest import MANIFEST_NAME, ManifestError
from model_export import EXPORTER_VERSION
from model_export.folders import exclusive, staged_folder
from model_export.hub_catalog import CATALOG, HubRepo
from model_export.hub_download import HubDownloadError, HubUnreachable, endpoint, probe
from model_export.hub_install import INSTALLERS

PROBE_TIMEOUT_S = 5.0  # a machine without a hub should not wait long for it
READ_TIMEOUT_S = 60.0
UNREACHABLE = 3


def fetch(
    root: Path,
    kinds: tuple[str, ...] = tuple(CATALOG),
    *,
    catalog: dict[str, HubRepo] = CATALOG,
    probe_timeout: float = PROBE_TIMEOUT_S,
    read_timeout: float = READ_TIMEOUT_S,
) -> list[str]:
    """Bring ROOT/<kind> to the pinned hub weights; returns the kinds installed now (none: up to date).

    Raises HubUnreachable when no hub answers, HubDownloadError when a file is wrong."""
    with exclusive(root):
        stale = [kind for kind in kinds if not is_installed(root / kind, catalog[kind])]
        if not stale:
            return []
        first = catalog[stale[0]]
        probe(first, next(iter(first.files.values())), probe_timeout)
        with ExitStack() as folders:  # all folders swap in together, after the last one verified
            for kind in stale:
                INSTALLERS[kind](folders.enter_context(staged_folder(root / kind)), catalog[kind], read_timeout)
    return stale


def is_installed(directory: Path, repo: HubRepo) -> bool:
    path = directory / MANIFEST_NAME
    if not path.is_file():
        return False
    manifest = json.loads(path.read_text())
    return manifest.get("provenance") == repo.provenance and manifest.get("exporter_version") == EXPORTER_VERSION


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m model_export.hub", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="the model root (IMAGEDRIVE_MODEL_ROOT)")
    parser.add_argument("--only", default=",".join(CATALOG), help="comma-separated kinds")
    parser.add_argument("--probe-timeout", type=float, default=PROBE_TIMEOUT_S)
    parser.add_argument("--timeout", type=float, default=READ_TIMEOUT_S, help="per connect/read, seconds")
    args = parser.parse_args(argv)
    kinds = tuple(kind for kind in args.only.split(",") if kind)
    unknown = sorted(set(kinds) - set(CATALOG))
    if unknown:
        parser.error(f"unknown kinds {unknown}; the hub has {sorted(CATALOG)}")
    try:
        installed = fetch(args.out, kinds, probe_timeout=args.probe_timeout, read_timeout=args.timeout)
    except HubUnreachable as error:
        print(f"hub: {error}; real CLIP weights were not installed", file=sys.stderr)
        return UNREACHABLE
    except (HubDownloadError, ManifestError, OSError) as error:
        print(f"hub: error: {error}\nThe model folders under {args.out} were left as they were.", file=sys.stderr)
        return 2
    for kind in kinds:
        how = f"installed from {endpoint()}" if kind in installed else "up to date"
        print(f"{kind}: {CATALOG[kind].provenance} ({how})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
