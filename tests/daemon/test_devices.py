"""The device manager with a real virtual printer on a pty: state, serialized commands, unplug/replug."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from agent.config import parse_config
from agent.daemon import devices
from agent.daemon.devices import DeviceManager, DeviceUnavailable
from agent.daemon.profiles import ProfileRegistry
from drivers.profile import PROFILE_DIR
from tests.conftest import KASSA, REPO
from tests.fixtures.daemon import running_daemon


@contextlib.contextmanager
def virtual_printer(link: Path):
    """`kassa emulate escpos` on a pty symlinked at ``link``; stopped (link removed) at exit."""
    process = subprocess.Popen(
        [*KASSA, "emulate", "escpos", "--link", str(link)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        if not line.startswith("ready"):
            process.kill()
            pytest.skip(f"the virtual printer did not start: {line}{process.stderr.read()}")
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        link.unlink(missing_ok=True)


def wait_for(predicate, timeout: float = 30.0, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what} not reached within {timeout} s")


def manager_for(link: Path, poll_interval: float = 0.5) -> DeviceManager:
    config = parse_config(f'[receipt_printer]\nport = "{link}"\nprofile = "escpos-emulator"\n', "test")
    profiles = ProfileRegistry(PROFILE_DIR)
    profiles.load_directory()
    return DeviceManager(config, profiles, poll_interval=poll_interval)


def test_commands_run_one_at_a_time_on_the_port_thread(tmp_path):
    link = tmp_path / "printer"
    with virtual_printer(link):

        async def scenario():
            manager = manager_for(link)
            await manager.start()
            handle = manager.receipt_printer
            assert handle.state == "ready", handle.summary("en")
            active, overlaps, threads = [0], [], set()
            guard = threading.Lock()

            def command(device, n):
                with guard:
                    active[0] += 1
                    overlaps.append(active[0])
                threads.add(threading.get_ident())
                device.status()
                time.sleep(0.02)
                with guard:
                    active[0] -= 1
                return n

            results = await asyncio.gather(*(handle.call(command, n, timeout=30) for n in range(8)))
            await manager.close(10)
            with pytest.raises(DeviceUnavailable) as stopped:
                await handle.call(command, 99)
            return results, overlaps, threads, stopped.value

        results, overlaps, threads, stopped = asyncio.run(scenario())
    assert results == list(range(8))  # in the order they were queued
    assert max(overlaps) == 1  # never two commands on the wire at once
    assert len(threads) == 1 and threading.get_ident() not in threads
    assert stopped.code == "stopping"


def test_an_unplugged_printer_is_absent_and_comes_back(tmp_path):
    link = tmp_path / "printer"
    config = f'[receipt_printer]\nport = "{link}"\nprofile = "escpos-emulator"\n'

    def printer_state(state):
        return lambda: (p := daemon.status()["receipt_printer"])["state"] == state and p

    with running_daemon(tmp_path, config=config) as daemon:
        absent = wait_for(printer_state("absent"), what="absent before the printer exists")
        assert "does not exist" in absent["message"]
        with virtual_printer(link):
            printer = wait_for(printer_state("ready"), what="ready once plugged in")
            assert printer["profile"] == "escpos-emulator"
            assert printer["model"] == "Virtual ESC/POS printer"
            assert printer["port"] == str(link)
        # unplugged: the emulator and its port are gone
        wait_for(printer_state("absent"), what="absent after unplugging")
        with virtual_printer(link):
            wait_for(printer_state("ready"), what="re-opened after plugging back in")
        log = daemon.log()
    assert "Traceback" not in log
    assert "<4>kassa.devices: receipt_printer on" in log  # the loss is logged as a warning


def test_stop_lets_the_command_in_flight_finish_but_not_forever(tmp_path):
    link = tmp_path / "printer"
    with virtual_printer(link):

        async def scenario(command_seconds: float, close_timeout: float):
            manager = manager_for(link)
            await manager.start()
            handle = manager.receipt_printer

            def slow(device):
                time.sleep(command_seconds)
                return "printed"

            command = asyncio.ensure_future(handle.call(slow))
            await asyncio.sleep(0.1)  # the command is on the wire
            assert handle.busy
            started = time.monotonic()
            finished = await handle.close(close_timeout)
            waited = time.monotonic() - started
            return finished, waited, await command

        finished, waited, result = asyncio.run(scenario(1.0, 10.0))
        assert finished and result == "printed" and 0.5 < waited < 5

        finished, waited, result = asyncio.run(scenario(3.0, 0.5))
        assert not finished and waited < 2  # abandoned after the bound
        assert result == "printed"  # the thread still completed the command it had started


def test_the_status_poll_yields_to_a_sale_but_is_never_starved(tmp_path, monkeypatch):
    link = tmp_path / "printer"
    with virtual_printer(link):

        async def scenario():
            manager = manager_for(link, poll_interval=3600)  # only the polls asked for here
            await manager.start()
            handle = manager.receipt_printer
            reads = []
            status = handle.device.status
            handle.device.status = lambda: (reads.append(time.monotonic()), status())[1]

            # a poll queued before a command that waits behind it gives the command its turn
            gate = threading.Event()
            first = asyncio.ensure_future(handle.call(lambda device: gate.wait(5)))
            await asyncio.sleep(0.05)
            poll = asyncio.ensure_future(handle.poll())
            await asyncio.sleep(0.05)
            sale = asyncio.ensure_future(handle.call(lambda device: len(reads)))
            await asyncio.sleep(0.05)  # queued behind the poll
            gate.set()
            assert await first and await sale == 0
            await poll
            assert reads == []
            await handle.poll()  # nothing waits: the status is read
            assert len(reads) == 1

            # while an operation holds the device, polls yield until the last read is too old
            with handle.hold():
                await handle.poll()
                assert len(reads) == 1
                monkeypatch.setattr(devices, "POLL_YIELD_LIMIT", 0.0)
                await handle.poll()
                assert len(reads) == 2
            await manager.close(5)

        asyncio.run(scenario())


def test_a_command_given_up_before_it_started_no_longer_holds_the_poll_back(tmp_path):
    link = tmp_path / "printer"
    with virtual_printer(link):

        async def scenario():
            manager = manager_for(link, poll_interval=3600)
            await manager.start()
            handle = manager.receipt_printer
            reads = []
            status = handle.device.status
            handle.device.status = lambda: (reads.append(time.monotonic()), status())[1]
            await handle.poll()
            assert len(reads) == 1

            gate = threading.Event()
            first = asyncio.ensure_future(handle.call(lambda device: gate.wait(5)))
            await asyncio.sleep(0.05)
            abandoned = asyncio.ensure_future(handle.call(lambda device: "never"))
            await asyncio.sleep(0.05)
            abandoned.cancel()  # its caller went away while it waited its turn
            gate.set()
            assert await first
            with contextlib.suppress(asyncio.CancelledError):
                await abandoned
            await handle.poll()  # nothing waits any more: the status is read, not skipped
            assert len(reads) == 2
            await manager.close(5)

        asyncio.run(scenario())
