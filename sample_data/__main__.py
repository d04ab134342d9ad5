"""`python -m sample_data --out DIR [--per-category N] [--seed S]`: write the sample library."""

import argparse
from pathlib import Path

from sample_data.generate import generate

parser = argparse.ArgumentParser(prog="python -m sample_data", description=__doc__)
parser.add_argument("--out", type=Path, required=True)
parser.add_argument("--per-category", type=int, default=5)
parser.add_argument("--seed", type=int, default=7)
args = parser.parse_args()
paths = generate(args.out, per_category=args.per_category, seed=args.seed)
print(f"wrote {len(paths)} images in {len({p.parent for p in paths})} categories under {args.out}")
