"""What the two local AWS backends (MiniStack, LocalStack) share: the small interface server.py
drives, telling which of them answers on a port, and each one's own venv with exact pins, so
their dependencies never meet ours."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Protocol

from imagedrive.log import logger
from imagedrive.settings import Settings

SERVICES = ("s3", "sqs", "secretsmanager")  # what the drive needs healthy


class EmulatorError(RuntimeError):
    pass


class Emulator(Protocol):
    """One local AWS backend. `launch` only spawns the process; server.py waits for health."""

    name: str

    def state_dir(self, settings: Settings) -> Path: ...  # pid, port and log files (and its data, if any)

    def launch(self, settings: Settings) -> None: ...

    def stop(self, settings: Settings) -> None: ...  # a clean shutdown (MiniStack saves its state then)


def _get_json(url: str) -> dict | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
            return json.load(response)
    except (OSError, ValueError):  # HTTPError is an OSError: a 404 means "not this one"
        return None


def answering(port: int) -> str | None:
    """Which emulator answers on `port` on loopback: "ministack", "localstack" or None.
    Both serve /_localstack/health; only MiniStack serves /_ministack/health."""
    if _get_json(f"http://127.0.0.1:{port}/_ministack/health") is not None:
        return "ministack"
    if _get_json(f"http://127.0.0.1:{port}/_localstack/health") is not None:
        return "localstack"
    return None


def services_available(port: int) -> bool:
    services = (_get_json(f"http://127.0.0.1:{port}/_localstack/health") or {}).get("services", {})
    return all(services.get(name) in ("available", "running") for name in SERVICES)


def ensure_venv(venv_dir: Path, pins: list[str], base_python: Path | str = sys.executable) -> Path:
    """The emulator's own venv with exactly `pins`, (re)installed only when the pins change; its python."""
    python = venv_dir / "bin" / "python"
    stamp = venv_dir / ".pins"
    pins_digest = hashlib.sha256("\n".join(pins).encode()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text() == pins_digest:
        return python
    logger.info("installing a local AWS runtime", extra={"python": str(base_python), "venv": str(venv_dir)})
    subprocess.run([str(base_python), "-m", "venv", "--clear", str(venv_dir)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *pins], check=True,
    )
    stamp.write_text(pins_digest)
    return python
