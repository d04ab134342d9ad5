"""server.start with the other backend already on the port: replaced when this checkout started it
there, a clear error otherwise. Runs on a port of its own, never the shared emulator's."""

import socket

import pytest

from imagedrive.settings import Settings
from localcloud import server
from localcloud.emulator import EmulatorError, answering


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def private_settings(tmp_path, backend: str, port: int, folder: str = "a") -> Settings:
    return Settings(
        local_aws=backend, localstack_port=port,
        ministack_data_dir=tmp_path / folder / "ministack", localstack_state_dir=tmp_path / folder / "localstack",
    )


def test_start_replaces_the_other_backend_it_started_and_refuses_one_it_did_not(tmp_path):
    port = free_port()
    mini = private_settings(tmp_path, "ministack", port)
    local = private_settings(tmp_path, "localstack", port)
    try:
        server.start(mini)
        assert answering(port) == "ministack" and server.is_healthy(mini)
        assert not server.is_healthy(local), "healthy means the selected backend answers"

        server.start(local)  # MiniStack's pid file is this checkout's: stopped, LocalStack started
        assert answering(port) == "localstack" and server.is_healthy(local)
        assert list((mini.ministack_data_dir / "state").glob("*.json")), "stopped cleanly: its state was saved"

        stranger = private_settings(tmp_path, "ministack", port, folder="b")  # no pid file for that port
        with pytest.raises(EmulatorError, match="answers as localstack"):
            server.start(stranger)
        assert answering(port) == "localstack", "what the error names is left running"
    finally:
        server.stop(local)
        server.stop(mini)
    assert answering(port) is None


def test_two_ministacks_never_share_a_data_folder(tmp_path):
    first, second = free_port(), free_port()
    a = private_settings(tmp_path, "ministack", first)
    try:
        server.start(a)
        with pytest.raises(EmulatorError, match="already belongs"):
            server.start(private_settings(tmp_path, "ministack", second))
    finally:
        server.stop(a)
