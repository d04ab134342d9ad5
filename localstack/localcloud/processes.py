"""Background processes of the local drive (API, event runner): pid and log files under .run/."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

from imagedrive.log import logger
from localcloud.paths import REPO_ROOT


def _paths(run_dir: Path, name: str) -> tuple[Path, Path]:
    run_dir.mkdir(parents=True, exist_ok=True)
    return run_dir / f"{name}.pid", run_dir / f"{name}.log"


def is_running(run_dir: Path, name: str) -> bool:
    pid_file, _ = _paths(run_dir, name)
    if not pid_file.exists():
        return False
    try:
        pid = int(pid_file.read_text())
        _reap(pid)
        os.kill(pid, 0)
    except (ProcessLookupError, ValueError):
        return False
    return True


def spawn(run_dir: Path, name: str, argv: list[str], *, cwd: Path = REPO_ROOT, env: dict | None = None) -> int:
    """Start `argv` detached in its own session unless it already runs; return its pid."""
    pid_file, log_file = _paths(run_dir, name)
    if is_running(run_dir, name):
        return int(pid_file.read_text())
    with open(log_file, "ab") as log:
        process = subprocess.Popen(
            argv, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    pid_file.write_text(str(process.pid))
    logger.info("process started", extra={"process_name": name, "pid": process.pid, "log": str(log_file)})
    return process.pid


def stop(run_dir: Path, name: str, *, grace_s: float = 10) -> None:
    pid_file, _ = _paths(run_dir, name)
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text())
    try:
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        while time.monotonic() < deadline:
            _reap(pid)
            os.killpg(pid, 0)
            time.sleep(0.1)
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    pid_file.unlink(missing_ok=True)
    logger.info("process stopped", extra={"process_name": name, "pid": pid})


def _reap(pid: int) -> None:
    # A child of this very process (the tests start servers in-process) stays a zombie, alive to
    # `kill 0`, until it is waited for.
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def kill(run_dir: Path, name: str) -> None:
    """SIGKILL at once, no shutdown handlers: what a crash or a power cut does (the restart drills)."""
    pid_file, _ = _paths(run_dir, name)
    if not pid_file.exists():
        return
    try:
        pid = int(pid_file.read_text())
        os.killpg(pid, signal.SIGKILL)
        time.sleep(0.1)
        _reap(pid)
    except ProcessLookupError:
        pass
    pid_file.unlink(missing_ok=True)
