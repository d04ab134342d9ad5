"""Loading the sample library into a drive: its categories (with prompts) first, so auto-tagging
sees every one, then the images, as system images, through the bulk importer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from imagedrive.categories import repository as categories
from imagedrive.db import transaction
from localcloud.paths import REPO_ROOT
from sample_data.generate import CATEGORIES, generate


def seed_categories() -> None:
    with transaction() as cur:
        for name, prompt in CATEGORIES.items():
            categories.ensure(cur, name, None, prompt=prompt)


def load_sample_library(folder: Path, *, per_category: int = 5, env: dict[str, str] | None = None) -> None:
    generate(folder, per_category=per_category)
    seed_categories()
    subprocess.run(
        [sys.executable, "-m", "imagedrive", "import", str(folder), "--owner", "system", "--category-from-dirname"],
        cwd=REPO_ROOT, env=env, check=True,
    )
