"""Builds the shared Lambda layer: the imagedrive package and layers/requirements.txt, installed
for Lambda's platform (manylinux x86_64, CPython 3.13) into OUT/python.

    python layers/build_layer.py --out .aws-sam/layer

Fails when the layer would carry numpy, onnxruntime or faiss (they belong to the container
images) or exceed what the API function can afford next to its own zip.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

LAYERS_DIR = Path(__file__).resolve().parent
FORBIDDEN = ("numpy", "onnxruntime", "faiss", "torch", "PIL")
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024  # Lambda allows 250 MB for function + layers, unzipped
PYTHON_VERSION = "3.13"  # the Lambda runtime of the functions that use the layer (infra/template.yaml)


def pip_install(target: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--target", str(target),
         *args],
        check=True,
    )


def build(out: Path) -> int:
    site = out / "python"
    shutil.rmtree(out, ignore_errors=True)
    pip_install(site, "--platform", "manylinux2014_x86_64", "--implementation", "cp",
                "--python-version", PYTHON_VERSION, "--only-binary=:all:", "-r", str(LAYERS_DIR / "requirements.txt"))
    pip_install(site, "--no-deps", str(LAYERS_DIR))
    shutil.rmtree(LAYERS_DIR / "build", ignore_errors=True)  # setuptools' leftovers in the source tree
    present = [name for name in FORBIDDEN if (site / name).exists()]
    if present:
        raise SystemExit(f"the layer must not carry {present}")
    size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    if size > MAX_UNZIPPED_BYTES:
        raise SystemExit(f"the layer is {size / 2**20:.0f} MB unzipped, over {MAX_UNZIPPED_BYTES / 2**20:.0f} MB")
    return size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    size = build(args.out)
    print(f"layer built in {args.out}: {size / 2**20:.1f} MB unzipped")


if __name__ == "__main__":
    main()
