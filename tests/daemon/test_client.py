"""The CLI's client of the daemon: each way of not getting an answer has its own clear error."""

from __future__ import annotations

import shutil
import socket
import tempfile
import threading
from pathlib import Path

import pytest

from agent.client import DaemonClient, DaemonError, DaemonNotRunning


@pytest.fixture
def unix_server():
    """A real unix socket whose behaviour the test chooses: ``silent`` or ``hang_up``."""
    directory = Path(tempfile.mkdtemp(prefix="kassa-client-", dir="/tmp"))
    path = directory / "agent.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(4)
    held: list[socket.socket] = []

    def serve(mode: str) -> None:
        def loop():
            while True:
                try:
                    connection, _ = server.accept()
                except OSError:
                    return
                if mode == "hang_up":
                    connection.recv(65536)
                    connection.close()
                else:
                    held.append(connection)

        threading.Thread(target=loop, daemon=True).start()

    try:
        yield path, serve
    finally:
        server.close()
        for connection in held:
            connection.close()
        shutil.rmtree(directory, ignore_errors=True)


def test_a_socket_nobody_listens_on_means_not_running(tmp_path):
    stale = tmp_path / "stale.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(stale))
    listener.close()  # the file stays, nobody listens: a crashed daemon
    with pytest.raises(DaemonNotRunning), DaemonClient(stale) as client:
        client.get("/v1/status")


def test_a_daemon_that_does_not_answer_times_out(unix_server):
    path, serve = unix_server
    serve("silent")
    with pytest.raises(DaemonError) as error, DaemonClient(path, timeout=0.5) as client:
        client.get("/v1/status")
    assert error.value.code == "daemon_timeout"
    assert "did not answer within 0.5 s" in error.value.message


def test_a_daemon_that_hangs_up(unix_server):
    path, serve = unix_server
    serve("hang_up")
    with pytest.raises(DaemonError) as error, DaemonClient(path, timeout=5) as client:
        client.get("/v1/status")
    assert error.value.code == "daemon_disconnected"
