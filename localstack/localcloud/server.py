"""Starts and stops LocalStack: the pinned container when a Docker engine answers, otherwise
LocalStack's runtime on the host in its own Python 3.13 venv (Lambda does not run there, which
is why the event runner exists)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

from imagedrive.log import logger
from imagedrive.settings import REPO_ROOT, Settings
from localcloud import processes

CONTAINER_IMAGE = "localstack/localstack:2026.3.0"
CONTAINER_NAME = "imagedrive-localstack"
HOST_RUNTIME_PINS = [
    "localstack-core[runtime]==2026.3.0",
    "cbor2<6",
    "pyopenssl<26",
    "cryptography<47",
    "service-identity",
]
SERVICES = ("s3", "sqs", "secretsmanager")  # what the drive needs healthy
# CloudFormation too, for `./dev deploy-local` (the template's buckets, queues and secrets).
ENABLED_SERVICES = (*SERVICES, "cloudformation", "sts")
VENV_DIR = REPO_ROOT / ".venv-localstack"


class LocalStackError(RuntimeError):
    pass


def health_url(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.localstack_port}/_localstack/health"


def is_healthy(settings: Settings) -> bool:
    try:
        with urllib.request.urlopen(health_url(settings), timeout=2) as response:  # noqa: S310 (loopback)
            services = json.load(response).get("services", {})
    except (OSError, ValueError):
        return False
    return all(services.get(name) in ("available", "running") for name in SERVICES)


def docker_engine_answers() -> bool:
    if not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "info"], capture_output=True, check=False).returncode == 0


def start(settings: Settings, *, timeout_s: float = 120) -> None:
    """Start LocalStack unless it already answers, then wait until S3, SQS and Secrets Manager do."""
    if is_healthy(settings):
        return
    if docker_engine_answers():
        _start_container(settings)
    else:
        _start_host_runtime(settings)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if is_healthy(settings):
            logger.info("localstack healthy", extra={"port": settings.localstack_port})
            return
        time.sleep(0.5)
    raise LocalStackError(f"LocalStack did not become healthy in {timeout_s:.0f}s; see {_log_file(settings)}")


def _start_container(settings: Settings) -> None:
    subprocess.run(["docker", "rm", "-f", CONTAINER_NAME], capture_output=True, check=False)
    subprocess.run(
        [
            "docker", "run", "-d", "--name", CONTAINER_NAME,
            "-p", f"127.0.0.1:{settings.localstack_port}:4566",
            "-e", "SERVICES=" + ",".join(ENABLED_SERVICES), "-e", "DISABLE_EVENTS=1",
            CONTAINER_IMAGE,
        ],
        check=True, capture_output=True,
    )


def _start_host_runtime(settings: Settings) -> None:
    python = ensure_host_runtime()
    state = settings.localstack_state_dir
    state.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "OVERRIDE_IN_DOCKER": "0",
        "GATEWAY_LISTEN": f"127.0.0.1:{settings.localstack_port}",
        "LOCALSTACK_HOST": f"localhost:{settings.localstack_port}",
        "FILESYSTEM_ROOT": str(state / "fs"),
        "DISABLE_EVENTS": "1",
        "DNS_ADDRESS": "0",  # no DNS server: nothing here resolves through LocalStack
        "SERVICES": ",".join(ENABLED_SERVICES),
    }
    env.pop("PYTHONPATH", None)
    # Started from the state folder so this repository's localstack/ folder never shadows it.
    argv = [str(python), "-m", "localstack.runtime.main"]
    processes.spawn(settings.localstack_state_dir, "localstack", argv, cwd=state, env=env)


def ensure_host_runtime() -> Path:
    """LocalStack's own venv (Python 3.13 where available), reinstalled only when the pins change."""
    python = VENV_DIR / "bin" / "python"
    stamp = VENV_DIR / ".pins"
    pins_digest = hashlib.sha256("\n".join(HOST_RUNTIME_PINS).encode()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text() == pins_digest:
        return python
    base = _python_for_localstack()
    logger.info("installing the LocalStack runtime", extra={"python": str(base), "venv": str(VENV_DIR)})
    subprocess.run([str(base), "-m", "venv", "--clear", str(VENV_DIR)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *HOST_RUNTIME_PINS],
        check=True,
    )
    stamp.write_text(pins_digest)
    return python


def _python_for_localstack() -> Path:
    """Python 3.13 as DESIGN.md pins it (pyenv's when present), else the newest that runs."""
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates = [str(p) for p in sorted(pyenv_root.glob("versions/3.13*/bin/python3.13"), reverse=True)]
    candidates += [shutil.which(name) for name in ("python3.13", "python3.12", "python3")]
    for candidate in candidates:
        # pyenv puts shims on PATH for versions that are not active; only a real run proves it.
        if candidate and subprocess.run([candidate, "-c", "import venv"], capture_output=True).returncode == 0:
            return Path(candidate)
    raise LocalStackError("no Python >= 3.12 found for the LocalStack runtime")


def stop(settings: Settings) -> None:
    if docker_engine_answers():
        subprocess.run(["docker", "rm", "-f", CONTAINER_NAME], capture_output=True, check=False)
    processes.stop(settings.localstack_state_dir, "localstack")


def _log_file(settings: Settings) -> Path:
    # One LocalStack per port, shared by `./dev up` and the tests: its files live with its state.
    return settings.localstack_state_dir / "localstack.log"
