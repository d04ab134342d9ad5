"""`python -m imagedrive import DIR …`, `reembed`, `reocr` and `reconcile`: server-side batch work."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from imagedrive.ingest.pipeline import Ingestor
from imagedrive.settings import get_settings


def _ingestor(batch_size: int, *, ocr: bool = True) -> Ingestor:
    from imagedrive.inference.loader import load_models  # heavy: only for the commands that embed

    models = load_models()
    return Ingestor(models.clip, models.ocr if ocr and get_settings().ingest_ocr else None, batch_size=batch_size)


def _bars(total: int, description: str) -> Any:
    """Progress on the terminal (tqdm is a developer tool: the Lambda runtime never imports it)."""
    from tqdm import tqdm

    return tqdm(total=total, desc=description, unit="img", dynamic_ncols=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m imagedrive")
    commands = parser.add_subparsers(dest="command", required=True)
    importer = commands.add_parser("import", help="import a folder of images (resumable)")
    importer.add_argument("directory", type=Path)
    importer.add_argument("--owner", required=True, help="a username, or 'system' for system-visible images")
    importer.add_argument("--visibility", choices=["private", "public", "system"])
    importer.add_argument("--category-from-dirname", action="store_true",
                          help="assign each image the category named by its folder")
    importer.add_argument("--chunk-size", type=int, default=256)
    importer.add_argument("--batch-size", type=int, default=32)
    importer.add_argument("--limit", type=int)
    importer.add_argument("--dry-run", action="store_true", help="count what would be imported; change nothing")
    importer.add_argument("--no-ocr", action="store_true")
    reembed = commands.add_parser("reembed", help="recompute vectors made by another model version (resumable)")
    reembed.add_argument("--chunk-size", type=int, default=256)
    reembed.add_argument("--batch-size", type=int, default=32)
    reocr = commands.add_parser("reocr", help="read again texts made by another OCR engine or model (resumable)")
    reocr.add_argument("--chunk-size", type=int, default=64)
    reocr.add_argument("--limit", type=int)
    reconcile = commands.add_parser("reconcile", help="find and repair what lost messages, objects or index files "
                                    "left behind (PENDING rows, vanished originals, unknown uploads, indexes)")
    reconcile.add_argument("--after-min", type=int, help="only what is older than this (default: settings)")
    reconcile.add_argument("--dry-run", action="store_true", help="report; change nothing")
    args = parser.parse_args(argv)
    if args.command == "reconcile":
        from imagedrive.reconcile.run import reconcile as reconcile_drive

        print(json.dumps(reconcile_drive(after_min=args.after_min, dry_run=args.dry_run).as_dict()))
        return
    if args.command == "reocr":
        from imagedrive.inference.manifest import find_model_dirs
        from imagedrive.inference.ocr import open_text_reader
        from imagedrive.ingest.reocr import reocr as reocr_stale

        reader = open_text_reader(find_model_dirs(get_settings().model_root).get("doctr"))
        print(json.dumps(dict(reocr_stale(reader, chunk_size=args.chunk_size, limit=args.limit, progress=_bars))))
        return

    from imagedrive.ingest import bulk

    if args.command == "import":
        if not args.directory.is_dir():
            parser.error(f"{args.directory} is not a folder")
        options = bulk.ImportOptions(
            owner=args.owner, visibility=args.visibility, category_from_dirname=args.category_from_dirname,
            chunk_size=args.chunk_size, batch_size=args.batch_size, limit=args.limit, dry_run=args.dry_run,
        )
        report = bulk.import_folder(
            args.directory, lambda: _ingestor(args.batch_size, ocr=not args.no_ocr), options, progress=_bars
        )
        print(json.dumps({"found": report.found, "already_ready": report.already_ready,
                          "statuses": dict(report.statuses), "elapsed_s": report.elapsed_s}))
    else:
        counts = bulk.reembed(_ingestor(args.batch_size), chunk_size=args.chunk_size, batch_size=args.batch_size,
                              progress=_bars)
        print(json.dumps(dict(counts)))
