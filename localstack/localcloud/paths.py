"""Where a developer's checkout keeps the local drive: the repository root, the `.run` folder (pid files,
logs, Postgres, the local AWS's data) and the exported models under `.cache`.

The runtime package (layers/imagedrive) computes no repository paths: its settings name these places
relative to the working directory. Importing localcloud (every `./dev` command, the tests) makes them this
checkout's absolute paths, through the environment, so processes started elsewhere (chalice local in
functions/api) inherit the same places. A variable already set wins.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
RUN_DIR = REPO_ROOT / ".run"

CHECKOUT_PATHS = {
    "IMAGEDRIVE_RUN_DIR": RUN_DIR,
    "IMAGEDRIVE_PG_DATA_DIR": RUN_DIR / "postgres",
    "IMAGEDRIVE_LOCALSTACK_STATE_DIR": RUN_DIR / "localstack",
    "IMAGEDRIVE_MINISTACK_DATA_DIR": RUN_DIR / "ministack",
    "IMAGEDRIVE_MODEL_ROOT": REPO_ROOT / ".cache" / "models" / "local",
}


def use_checkout_paths() -> None:
    """Point the drive's developer paths into this checkout, unless the environment already names them."""
    for name, path in CHECKOUT_PATHS.items():
        os.environ.setdefault(name, str(path))
