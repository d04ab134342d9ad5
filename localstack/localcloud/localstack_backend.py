"""LocalStack community (frozen at 2026.3.0; in memory, so nothing survives its restart): the pinned
container when a Docker engine answers, otherwise its runtime on the host in its own Python 3.13
venv. Selected with IMAGEDRIVE_LOCAL_AWS=localstack."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from imagedrive.settings import Settings
from localcloud import processes
from localcloud.emulator import EmulatorError, ensure_venv

name = "localstack"
CONTAINER_IMAGE = "localstack/localstack:2026.3.0"
CONTAINER_NAME = "imagedrive-localstack"
HOST_RUNTIME_PINS = [
    "localstack-core[runtime]==2026.3.0",
    "cbor2<6",
    "pyopenssl<26",
    "cryptography<47",
    "service-identity",
]
# CloudFormation too, for `./dev deploy-local` (the template's buckets, queues and secrets).
ENABLED_SERVICES = ("s3", "sqs", "secretsmanager", "cloudformation", "sts")
VENV_DIR = Path(__file__).resolve().parents[2] / ".venv-localstack"


def state_dir(settings: Settings) -> Path:
    return settings.localstack_state_dir


def docker_engine_answers() -> bool:
    if not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "info"], capture_output=True, check=False).returncode == 0


def launch(settings: Settings) -> None:
    if docker_engine_answers():
        _start_container(settings)
    else:
        _start_host_runtime(settings)


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
    python = ensure_venv(VENV_DIR, HOST_RUNTIME_PINS, _python_for_localstack())
    state = state_dir(settings)
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
    processes.spawn(state, name, argv, cwd=state, env=env)


def _python_for_localstack() -> Path:
    """Python 3.13 as DESIGN.md pins it (pyenv's when present), else the newest that runs."""
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    pyenv_pythons = sorted(pyenv_root.glob("versions/3.13*/bin/python3.13"), reverse=True)
    candidates: list[str | None] = [str(p) for p in pyenv_pythons]
    candidates += [shutil.which(name) for name in ("python3.13", "python3.12", "python3")]
    for candidate in candidates:
        # pyenv puts shims on PATH for versions that are not active; only a real run proves it.
        if candidate and subprocess.run([candidate, "-c", "import venv"], capture_output=True).returncode == 0:
            return Path(candidate)
    raise EmulatorError("no Python >= 3.12 found for the LocalStack runtime")


def stop(settings: Settings) -> None:
    if docker_engine_answers():
        subprocess.run(["docker", "rm", "-f", CONTAINER_NAME], capture_output=True, check=False)
    processes.stop(state_dir(settings), name)
