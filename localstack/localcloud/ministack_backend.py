"""MiniStack (PyPI `ministack`, MIT), the default local AWS: S3 with S3→SQS notifications and POST
policies, SQS and Secrets Manager on one port, keeping its data in ministack_data_dir.

Object bodies and their metadata are written to disk as they arrive (S3_PERSIST), so they survive
anything short of losing the disk. Everything else (buckets' settings, queues and their messages,
secrets) is saved on a clean shutdown only (PERSIST_STATE): after a `kill -9` it comes back as of
the last clean stop, which is why the bootstrap runs after every start and converges it again."""

from __future__ import annotations

import os
from pathlib import Path

from imagedrive.settings import Settings
from localcloud import processes
from localcloud.emulator import ensure_venv

name = "ministack"
# ministack and its whole dependency closure, exact (pip freeze of a clean install; needs Python >= 3.10).
PINS = [
    "ministack==1.5.33",
    "botocore==1.43.106", "defusedxml==0.7.1", "graphql-core==3.2.12", "h11==0.16.0", "h2==4.4.1",
    "hpack==4.2.0", "Hypercorn==0.18.0", "hyperframe==6.1.0", "jmespath==1.1.0", "jsonata-python==0.7.1",
    "priority==2.0.0", "python-dateutil==2.9.0.post0", "PyYAML==6.0.3", "six==1.17.0", "urllib3==2.8.0",
    "wsproto==1.3.2",
]
# CloudFormation and STS for `./dev deploy-local`; fewer services, less memory and start-up time.
ENABLED_SERVICES = ("s3", "sqs", "secretsmanager", "cloudformation", "sts", "iam")
VENV_DIR = Path(__file__).resolve().parents[2] / ".venv-ministack"


def state_dir(settings: Settings) -> Path:
    return settings.ministack_data_dir


def launch(settings: Settings) -> None:
    python = ensure_venv(VENV_DIR, PINS)
    data = state_dir(settings)
    data.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "GATEWAY_PORT": str(settings.localstack_port),
        "BIND_HOST": "127.0.0.1",  # it binds every interface otherwise
        "S3_PERSIST": "1", "S3_DATA_DIR": str(data / "s3"),
        "PERSIST_STATE": "1", "STATE_DIR": str(data / "state"),
        "SERVICES": ",".join(ENABLED_SERVICES),
        "TMPDIR": str(data),  # its own pid file goes there, not into a /tmp shared by every checkout
        "LOG_LEVEL": "WARNING",
    }
    env.pop("PYTHONPATH", None)
    processes.spawn(data, name, [str(python), "-m", "ministack"], cwd=data, env=env)


def stop(settings: Settings) -> None:
    # SIGTERM: MiniStack's lifespan shutdown saves its state before it exits.
    processes.stop(state_dir(settings), name, grace_s=30)
