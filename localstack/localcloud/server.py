"""Starts, stops and checks the local AWS on its one port: MiniStack (the default; keeps its data)
or LocalStack (IMAGEDRIVE_LOCAL_AWS=localstack; in memory). `start`, `stop`, `is_healthy` and
`kill` are what the rest of localcloud and the tests call; the backends live in their own modules."""

from __future__ import annotations

import time
from pathlib import Path

from imagedrive.log import logger
from imagedrive.settings import Settings
from localcloud import localstack_backend, ministack_backend, processes
from localcloud.emulator import Emulator, EmulatorError, answering, services_available

BACKENDS: dict[str, Emulator] = {"ministack": ministack_backend, "localstack": localstack_backend}


def backend(settings: Settings) -> Emulator:
    return BACKENDS[settings.local_aws]


def is_healthy(settings: Settings) -> bool:
    """The selected backend answers on the port with S3, SQS and Secrets Manager available."""
    port = settings.localstack_port
    return answering(port) == settings.local_aws and services_available(port)


def start(settings: Settings, *, timeout_s: float = 120) -> None:
    """Start the selected backend unless it already answers, then wait until S3, SQS and Secrets
    Manager do. The other backend answering on the port is stopped when this checkout started it
    for that port; anything else there is an error that says what to do."""
    chosen, port = backend(settings), settings.localstack_port
    running = answering(port)
    if running == chosen.name and services_available(port):
        return
    if running not in (None, chosen.name):
        _stop_other(settings, BACKENDS[running])
    _refuse_shared_state_dir(settings, chosen)
    chosen.launch(settings)
    _port_file(chosen, settings).write_text(str(port))
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if is_healthy(settings):
            logger.info("local AWS healthy", extra={"backend": chosen.name, "port": port})
            return
        time.sleep(0.3)
    raise EmulatorError(f"{chosen.name} did not become healthy on port {port} in {timeout_s:.0f}s; "
                        f"see {chosen.state_dir(settings) / (chosen.name + '.log')}")


def stop(settings: Settings) -> None:
    backend(settings).stop(settings)


def kill(settings: Settings) -> None:
    """`kill -9` the selected backend (the restart drills): no shutdown handler runs."""
    chosen = backend(settings)
    processes.kill(chosen.state_dir(settings), chosen.name)


def _port_file(emulator: Emulator, settings: Settings) -> Path:
    return emulator.state_dir(settings) / f"{emulator.name}.port"


def _started_here_for(emulator: Emulator, settings: Settings) -> int | None:
    """The port this checkout started `emulator` for, if its process still runs."""
    if not processes.is_running(emulator.state_dir(settings), emulator.name):
        return None
    port_file = _port_file(emulator, settings)
    # No port file: started before port files existed, when it always ran on the default port.
    return int(port_file.read_text()) if port_file.exists() else Settings.model_fields["localstack_port"].default


def _stop_other(settings: Settings, other: Emulator) -> None:
    port = settings.localstack_port
    if _started_here_for(other, settings) != port:
        raise EmulatorError(
            f"port {port} answers as {other.name}, which this checkout did not start there; stop it, "
            f"or set IMAGEDRIVE_LOCAL_AWS={other.name} to use it, or IMAGEDRIVE_LOCALSTACK_PORT to use another port"
        )
    logger.info("stopping the other local AWS on the port", extra={"backend": other.name, "port": port})
    other.stop(settings)
    deadline = time.monotonic() + 30
    while answering(port) is not None and time.monotonic() < deadline:
        time.sleep(0.2)


def _refuse_shared_state_dir(settings: Settings, chosen: Emulator) -> None:
    # Two emulators on one data folder would overwrite each other's state.
    other_port = _started_here_for(chosen, settings)
    if other_port not in (None, settings.localstack_port):
        raise EmulatorError(
            f"{chosen.state_dir(settings)} already belongs to the {chosen.name} on port {other_port}; "
            f"give this one its own folder (IMAGEDRIVE_MINISTACK_DATA_DIR / IMAGEDRIVE_LOCALSTACK_STATE_DIR)"
        )
