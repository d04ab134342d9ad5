"""ruff and mypy over the deployable code, so CI refuses what they refuse (configured in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.mark.parametrize("argv", [
    [str(BIN / "ruff"), "check", "."],
    [str(BIN / "mypy")],  # the files and flags come from [tool.mypy]
], ids=["ruff", "mypy"])
def test_is_clean(argv: list[str]) -> None:
    result = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
