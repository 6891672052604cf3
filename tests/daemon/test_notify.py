"""sd_notify without libsystemd: the datagram, the abstract namespace, the watchdog's health gate."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket

import pytest

from agent.daemon.notify import notify, watchdog, watchdog_interval


@pytest.fixture
def systemd(tmp_path):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    path = f"/tmp/kassa-notify-{os.getpid()}-{id(tmp_path)}"
    sock.bind(path)
    sock.setblocking(False)
    try:
        yield sock, path
    finally:
        sock.close()
        os.unlink(path)


def received(sock: socket.socket) -> list[str]:
    messages = []
    with contextlib.suppress(BlockingIOError):
        while True:
            messages.append(sock.recv(4096).decode())
    return messages


def test_no_notify_socket_is_a_no_op():
    assert notify("READY=1", env={}) is False


def test_watchdog_interval_is_half_of_watchdog_usec():
    assert watchdog_interval({"WATCHDOG_USEC": "30000000"}) == 15.0
    assert watchdog_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}) == 15.0
    assert watchdog_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}) is None  # meant for another
    assert watchdog_interval({}) is None


def run_watchdog(healthy, seconds: float = 0.6, interval: float = 0.1) -> None:
    async def scenario():
        task = asyncio.create_task(watchdog(healthy, interval))
        await asyncio.sleep(seconds)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(scenario())


def test_pings_only_while_healthy(systemd, monkeypatch):
    sock, path = systemd
    monkeypatch.setenv("NOTIFY_SOCKET", path)

    async def healthy():
        return True

    async def store_broken():
        return False

    async def check_crashes():
        raise RuntimeError("database is locked")

    async def check_hangs():
        await asyncio.sleep(10)

    run_watchdog(healthy)
    pings = received(sock)
    assert 3 <= len(pings) <= 6
    assert set(pings) == {"WATCHDOG=1"}
    for unhealthy in (store_broken, check_crashes, check_hangs):
        run_watchdog(unhealthy)
        assert received(sock) == [], unhealthy.__name__
