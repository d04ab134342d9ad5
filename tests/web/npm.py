"""npm for the web app's checks: from the project's provisioned Node (localcloud.node) when that
module exists, else the machine's."""

from __future__ import annotations

import shutil
import subprocess

from imagedrive.settings import REPO_ROOT

WEB = REPO_ROOT / "web"


def npm_executable() -> str | None:
    """npm from the project's own Node when localcloud.node provides one, else the machine's."""
    try:
        from localcloud import node  # optional: the provisioned Node, once that module exists
    except ImportError:
        return shutil.which("npm")
    for name in ("npm_path", "npm", "npm_executable"):
        found = getattr(node, name, None)
        if callable(found):
            return str(found())
    return shutil.which("npm")


def run_npm(npm: str, *args: str, stdin: bytes | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([npm, *args], cwd=WEB, input=stdin, capture_output=True, timeout=timeout)
