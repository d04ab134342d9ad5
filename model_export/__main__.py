"""python -m model_export: export, verify and ensure model folders (see model_export/README.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from imagedrive.inference.manifest import ManifestError
from model_export.doctr_export import DETECTORS, RECOGNIZERS, export_doctr
from model_export.ensure import EXPORTERS, ensure, export_folder
from model_export.folders import staged_folder
from model_export.options import ExportError, ExportOptions
from model_export.verify import Check, int8_agreement, verify


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m model_export", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for kind in EXPORTERS:
        command = commands.add_parser(kind, help=f"export {kind} to ONNX")
        command.add_argument("--out", type=Path, required=True)
        _source_arguments(command)
        if kind != "doctr":
            command.add_argument("--int8", action="store_true", help="also write dynamic QInt8 variants")
        else:
            command.add_argument("--detector", choices=DETECTORS, default=DETECTORS[0])
            command.add_argument("--recognizer", choices=RECOGNIZERS, default=RECOGNIZERS[0])
    command = commands.add_parser("verify", help="parity of a model folder with the PyTorch reference")
    command.add_argument("directory", type=Path)
    command = commands.add_parser("ensure", help="export clip, clip-multilingual and doctr under ROOT if stale")
    command.add_argument("--out", type=Path, required=True)
    _source_arguments(command)
    command.add_argument("--only", default=",".join(EXPORTERS), help="comma-separated kinds")
    return parser


def _source_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("--random-init", action="store_true", help="seeded random weights, no download")
    command.add_argument("--seed", type=int, default=0)
    command.add_argument("--small", action="store_true", help="tiny config of the same architecture (tests)")


def _report(title: str, checks: list[Check]) -> bool:
    print(title)
    for check in checks:
        print(f"  {'ok  ' if check.passed else 'FAIL'} {check.name}: {check.value}")
    return all(check.passed for check in checks)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "verify":
            return 0 if _report(f"verify {args.directory}", verify(str(args.directory))) else 1
        options = ExportOptions(random_init=args.random_init, seed=args.seed, small=args.small)
        if args.command == "ensure":
            kinds = tuple(kind for kind in args.only.split(",") if kind)
            exported = ensure(args.out, options, kinds)
            print(f"exported: {', '.join(exported) or 'nothing (all up to date)'} under {args.out}")
            return 0
        int8 = getattr(args, "int8", False)
        options = ExportOptions(random_init=args.random_init, seed=args.seed, small=args.small, int8=int8)
        if args.command == "doctr":
            with staged_folder(args.out) as staging:
                manifest = export_doctr(staging, options, args.detector, args.recognizer)
        else:
            manifest = export_folder(args.command, args.out, options)
        for precision, variant in manifest["variants"].items():
            print(f"{precision}: {variant['model_version']} → {', '.join(variant['files'].values())}")
        if int8:
            return 0 if _report("int8 agreement", int8_agreement(str(args.out))) else 1
        return 0
    except (ExportError, ManifestError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
