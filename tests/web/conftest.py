"""The web app's own checks: npm found once, web/node_modules installed from the lockfile when missing."""

from __future__ import annotations

import subprocess

import pytest

from tests.web.npm import WEB, npm_executable


@pytest.fixture(scope="session")
def npm() -> str:
    path = npm_executable()
    if path is None:
        pytest.fail("npm is not installed: `./dev up` provisions Node (>= 20.19) for the web app")
    if not (WEB / "node_modules" / ".package-lock.json").exists():
        subprocess.run([path, "ci", "--no-audit", "--no-fund"], cwd=WEB, check=True)
    return path
