"""npm for the web app's checks, from the Node the project provisions (localcloud.node)."""

from __future__ import annotations

import subprocess

from localcloud import node

WEB = node.WEB_DIR


def run_npm(*args: str, stdin: bytes | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """npm in web/ with the project's Node first on PATH; the caller checks the return code."""
    return subprocess.run([str(node.npm_path()), *args], cwd=WEB, env=node.node_env(), input=stdin,
                          capture_output=True, timeout=timeout)
