"""`kassa run` as systemd runs it: READY only once the API answers, a clean SIGTERM, one per state dir."""

from __future__ import annotations

import contextlib
import grp
import os
import shutil
import socket
import sqlite3
import stat
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from agent.client import DaemonClient, DaemonNotRunning
from tests.fixtures.daemon import RunningDaemon, running_daemon


@pytest.fixture
def notify_socket():
    """A fake systemd: an AF_UNIX datagram socket the daemon's sd_notify writes to."""
    directory = Path(tempfile.mkdtemp(prefix="kassa-notify-", dir="/tmp"))
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(directory / "notify"))
    try:
        yield sock, str(directory / "notify")
    finally:
        sock.close()
        shutil.rmtree(directory, ignore_errors=True)


def receive(sock: socket.socket, timeout: float) -> str:
    sock.settimeout(timeout)
    return sock.recv(4096).decode()


def test_ready_only_after_the_api_answers_then_stopping_on_sigterm(tmp_path, notify_socket):
    sock, address = notify_socket
    daemon = RunningDaemon(tmp_path / "d", "", {"NOTIFY_SOCKET": address})
    try:
        daemon.start(wait=False)
        message = receive(sock, 60)
        # the first thing systemd hears is READY, and by then the socket already answers
        assert message.startswith("READY=1"), message
        assert stat.S_ISSOCK(daemon.socket.stat().st_mode)
        assert daemon.store_checked() is True
        daemon.process.send_signal(15)
        assert receive(sock, 30) == "STOPPING=1"
        assert daemon.process.wait(30) == 0
    finally:
        daemon.cleanup()


def test_abstract_notify_socket_and_watchdog_pings_at_half_the_interval(tmp_path):
    name = f"kassa-test-{time.monotonic_ns()}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name)  # systemd's NOTIFY_SOCKET may be "@name": the abstract namespace
    try:
        with running_daemon(tmp_path, env={"NOTIFY_SOCKET": "@" + name, "WATCHDOG_USEC": "1000000"}):
            assert receive(sock, 30).startswith("READY=1")
            started = time.monotonic()
            pings = [receive(sock, 10) for _ in range(3)]
            elapsed = time.monotonic() - started
    finally:
        sock.close()
    assert pings == ["WATCHDOG=1"] * 3
    assert 0.8 < elapsed < 8


def test_socket_is_0660_and_answers_status(shared_daemon):
    daemon = shared_daemon
    daemon.store_checked()
    mode = stat.S_IMODE(daemon.socket.stat().st_mode)
    assert mode == 0o660
    with daemon.client() as client:
        status = client.get("/v1/status")
    for key in ("version", "paired", "store", "printer", "shift", "queue", "streams", "products", "fn"):
        assert key in status
    assert status["store"]["ok"] is True and status["store"]["problem"] is None
    assert status["store"]["path"] == str(daemon.state_dir / "kassa.db")
    assert status["printer"]["state"] == "not_configured"


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_over_the_unix_socket(shared_daemon):
    daemon = shared_daemon
    daemon.store_checked()
    result = subprocess.run(
        ["curl", "-sS", "--unix-socket", str(daemon.socket), "http://kassa/v1/status"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert '"store":{"ok":true' in result.stdout


def test_restart_after_a_crash_then_sigterm_exits_0_with_a_consistent_store(tmp_path):
    with running_daemon(tmp_path) as daemon:
        daemon.kill()
        assert daemon.socket.exists()  # SIGKILL left the socket behind: the next start replaces it
        daemon.start()
        assert daemon.store_checked()
        assert daemon.stop() == 0
        assert not daemon.socket.exists()
        db = sqlite3.connect(daemon.state_dir / "kassa.db")
        try:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        finally:
            db.close()
        log = daemon.log()
    assert "Traceback" not in log
    assert "removing the stale socket" in log
    assert "<6>kassa.daemon: kassa daemon stopped" in log


def test_status_shows_the_last_store_check_and_does_not_run_one_per_request(shared_daemon):
    """quick_check reads the whole file: never per request (the TUI polls status every 3 s)."""
    daemon = shared_daemon
    daemon.store_checked()
    first = daemon.status()["store"]
    later = [daemon.status()["store"] for _ in range(5)]
    assert first["checked_at"] is not None
    assert all(store == first for store in later)


def test_a_second_daemon_on_the_same_state_dir_refuses(shared_daemon):
    first = shared_daemon
    second = subprocess.run([*first.process.args], env=first.env, capture_output=True, text=True, timeout=60)
    assert second.returncode == 1
    assert f"another kassa daemon (pid {first.process.pid}) is already running" in second.stderr
    assert "Traceback" not in second.stderr
    assert first.store_checked()  # the first one is untouched


def test_a_live_socket_of_another_daemon_is_refused(shared_daemon, tmp_path):
    first = shared_daemon
    env = dict(first.env, KASSA_STATE_DIR=str(tmp_path / "other-state"))
    second = subprocess.run([*first.process.args], env=env, capture_output=True, text=True, timeout=60)
    assert second.returncode == 1
    assert "already answering on" in second.stderr
    assert first.store_checked()


def test_config_error_exits_78(tmp_path):
    daemon = RunningDaemon(tmp_path / "d", "[printer]\nbaud = 'fast'\n", None)
    try:
        daemon.start(wait=False)
        assert daemon.process.wait(60) == 78
        assert "baud" in daemon.log()
        assert "Traceback" not in daemon.log()
    finally:
        daemon.cleanup()


def test_client_says_clearly_when_the_daemon_is_not_running(tmp_path):
    with pytest.raises(DaemonNotRunning, match="not running"), DaemonClient(tmp_path / "none.sock") as client:
        client.get("/v1/status")


def _a_group_we_can_give_the_socket_to() -> grp.struct_group | None:
    if os.geteuid() == 0:
        with contextlib.suppress(KeyError):
            return grp.getgrnam("dialout")
    others = [gid for gid in os.getgroups() if gid != os.getegid()]
    return grp.getgrgid(others[0]) if others else None


def test_socket_group_from_an_explicit_config_path(tmp_path):
    group = _a_group_we_can_give_the_socket_to()
    if group is None:
        pytest.skip("no second group to give the socket to")
    config = tmp_path / "explicit.toml"
    config.write_text(f'[agent]\nsocket_group = "{group.gr_name}"\n')
    # the env's config would be refused: --config must win
    daemon = RunningDaemon(tmp_path / "d", "[agent]\nbogus = 1\n", None)
    daemon.args = ["--config", str(config)]
    try:
        daemon.start()
        assert daemon.socket.stat().st_gid == group.gr_gid
        assert stat.S_IMODE(daemon.socket.stat().st_mode) == 0o660
    finally:
        daemon.cleanup()


def test_a_full_disk_at_start_is_named_and_the_daemon_starts_once_there_is_room(tmp_path):
    """The state dir on a real small file system (tmpfs, root only) filled to the last byte."""
    from bench.torture_disk import DiskUnavailable, SmallDisk
    from tests.fixtures.daemon import DaemonFailed

    daemon = RunningDaemon(tmp_path / "daemon", "", None)
    disk = SmallDisk(daemon.state_dir, size="8m")
    try:
        disk.mount()
    except DiskUnavailable as exc:
        pytest.skip(str(exc))
    try:
        daemon.start()
        daemon.stop()
        disk.fill()
        with pytest.raises(DaemonFailed, match="is full"):
            daemon.start()
        assert daemon.process.returncode not in (0, 78)  # systemd's Restart=on-failure tries again
        disk.empty()
        daemon.start()
        assert daemon.store_checked()
    finally:
        daemon.cleanup()
        disk.unmount()
