"""Every scan counts exactly once at any pace: a keyboard-wedge scanner types a code and Enter within
milliseconds and scans again before the lookup has answered (each lookup here takes 120 ms).

The pilot tests post key events the way the app receives them from the terminal; the pty test
writes raw bytes to a real terminal the app runs in, several scans in one write."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from decimal import Decimal

import pytest
from textual import events

from tests.conftest import REPO
from tests.tui.fake_api import EMPLOYEES, FakeApi, FakeDaemon
from tui.app import KassaApp
from tui.screens.dialogs import PromptScreen
from tui.screens.payment import PaymentScreen

CASHIER = EMPLOYEES["2222"]
MILK, BREAD, TEA = "4600000000017", "4600000000024", "4600000000031"
LOOKUP = 0.12


def app_on(daemon: FakeDaemon | None = None) -> KassaApp:
    return KassaApp(FakeApi(daemon or FakeDaemon(), lookup_delay=LOOKUP), employee=CASHIER, poll_seconds=0)


def post(app: KassaApp, text: str) -> None:
    """Keys as the terminal hands them to the app: all at once, nothing processed in between."""
    for char in text:
        app.post_message(events.Key("enter", "\r") if char == "\r" else events.Key(char, char))


async def until_looked_up(pilot, timeout: float = 5.0) -> None:
    sale = pilot.app.screen
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await pilot.pause(0.05)
        if not getattr(sale, "scans", None) and not getattr(sale, "_looking_up", False):
            break
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def cart(sale) -> list[tuple[str, Decimal]]:
    return [(line.code, line.quantity) for line in sale.cart.lines]


@pytest.mark.anyio
@pytest.mark.parametrize("gap", [0, 0.005, 0.05], ids=["0ms", "5ms", "50ms"])
async def test_scans_at_any_pace_each_count_once(english, gap):
    app = app_on()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.1)
        sale = app.screen
        for code in (MILK, BREAD, MILK, MILK):
            post(app, code + "\r")
            if gap:
                await asyncio.sleep(gap)
        await until_looked_up(pilot)
        assert cart(sale) == [("MILK-1L", Decimal("3.000")), ("BREAD-W", Decimal("1.000"))]
        assert sale.query_one("#search").value == ""
        assert app.screen is sale  # no Enter was taken for "pay"


@pytest.mark.anyio
@pytest.mark.parametrize("gap", [0, 0.005, 0.05], ids=["0ms", "5ms", "50ms"])
async def test_scans_pressed_through_the_pilot_each_count_once(english, gap):
    app = app_on()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.1)
        sale = app.screen
        for code in (TEA, TEA, BREAD):
            await pilot.press(*code, "enter")
            if gap:
                await asyncio.sleep(gap)
        await until_looked_up(pilot)
        assert cart(sale) == [("TEA-100", Decimal("2.000")), ("BREAD-W", Decimal("1.000"))]


@pytest.mark.anyio
@pytest.mark.parametrize("dropped", [{1}, {2, 3}, {4, 5, 6}], ids=["first", "twice", "thrice-last"])
async def test_a_lookup_the_daemon_drops_is_looked_up_again_not_lost(english, dropped):
    """A kept-alive connection the daemon closes as a lookup goes out (its idle timeout) fails that
    lookup; the scan stays first in the queue and counts once, with the scans behind it."""
    app = app_on()
    app.api.dropped_lookups = dropped
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.1)
        sale = app.screen
        post(app, MILK + "\r" + BREAD + "\r" + TEA + "\r" + MILK + "\r" + "4600")
        await until_looked_up(pilot, timeout=10)
        assert cart(sale) == [
            ("MILK-1L", Decimal("2.000")),
            ("BREAD-W", Decimal("1.000")),
            ("TEA-100", Decimal("1.000")),
        ]
        assert sale.query_one("#search").value == "4600"
        assert len(app.api.lookups) >= max(dropped) + 1  # every dropped lookup happened, then more


@pytest.mark.anyio
async def test_text_typed_after_an_enter_is_never_cleared_by_its_answer(english):
    app = app_on()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.1)
        sale = app.screen
        post(app, MILK + "\r" + "4600")  # the next scan is half typed when the answer comes
        await until_looked_up(pilot)
        assert cart(sale) == [("MILK-1L", Decimal("1.000"))]
        assert sale.query_one("#search").value == "4600"
        post(app, "000000024\r")
        await until_looked_up(pilot)
        assert cart(sale) == [("MILK-1L", Decimal("1.000")), ("BREAD-W", Decimal("1.000"))]


@pytest.mark.anyio
async def test_an_empty_enter_that_belongs_to_a_scan_is_not_pay(english):
    app = app_on()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.1)
        sale = app.screen
        post(app, MILK + "\r\r")  # a scanner with a double suffix
        await until_looked_up(pilot)
        post(app, BREAD + "\r")
        await pilot.pause(0.01)
        post(app, "\r")  # Enter while the lookup runs: the cart is not complete yet
        await until_looked_up(pilot)
        assert app.screen is sale
        assert cart(sale) == [("MILK-1L", Decimal("1.000")), ("BREAD-W", Decimal("1.000"))]
        await pilot.pause(0.2)
        await pilot.press("enter")  # the cashier's own Enter on the empty line: pay
        await pilot.pause(0.1)
        assert isinstance(app.screen, PaymentScreen)


@pytest.mark.anyio
async def test_a_scan_after_a_weighted_product_waits_for_its_weight(english):
    app = app_on()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.1)
        sale = app.screen
        post(app, "APPLE-KG\r" + MILK + "\r")
        await pilot.pause(0.5)
        assert isinstance(app.screen, PromptScreen)  # the weight first
        assert sale.cart.lines == [] and list(sale.scans) == [MILK]
        await pilot.press(*"0.5", "enter")
        await until_looked_up(pilot)
        assert app.screen is sale
        assert cart(sale) == [("APPLE-KG", Decimal("0.500")), ("MILK-1L", Decimal("1.000"))]


@pytest.mark.anyio
async def test_f10_during_lookups_pays_for_everything_scanned_before_it(english):
    app = app_on()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.1)
        post(app, MILK + "\r" + TEA + "\r")
        await pilot.press("f10")
        await until_looked_up(pilot)
        await pilot.pause(0.1)
        assert isinstance(app.screen, PaymentScreen)
        assert app.screen.total == 8990 + 15900


# -- a real terminal --------------------------------------------------------------------------------


class Pty:
    """The TUI in a pseudo-terminal of its own; what it draws is read and dropped."""

    def __init__(self, state_path, lookup: float) -> None:
        import fcntl
        import pty
        import struct
        import termios

        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KASSA_", "TEXTUAL"))}
        env.update(TERM="xterm-256color", LANG="C.UTF-8", COLUMNS="100", LINES="30")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.tui.scan_terminal_app", str(state_path), str(lookup)],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=REPO,
            env=env,
            start_new_session=True,
        )
        os.close(slave)
        self.state_path = state_path
        self.output = bytearray()
        self.reader = threading.Thread(target=self._drain, daemon=True)
        self.reader.start()

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.output += chunk[-4096:]

    def write(self, data: str) -> None:
        os.write(self.master, data.encode())

    def state(self) -> dict | None:
        try:
            return json.loads(self.state_path.read_text())
        except (OSError, ValueError):
            return None

    def wait_for(self, check, what: str, timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        state = None
        while time.monotonic() < deadline:
            state = self.state()
            if state is not None and check(state):
                return state
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"{what}: {state}\n{bytes(self.output[-2000:])!r}")

    def close(self) -> None:
        if self.process.poll() is None:
            self.write("\x11")  # Ctrl+Q
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        os.close(self.master)


@pytest.mark.slow
def test_scan_bursts_written_to_a_real_terminal_each_count_once(tmp_path):
    terminal = Pty(tmp_path / "state.json", LOOKUP)
    try:
        terminal.wait_for(lambda s: s["screen"] == "SaleScreen", "the sale screen did not open")
        expected: list[list[str]] = []

        def settled(state: dict) -> bool:
            return state["cart"] == expected and state["search"] == ""

        # three scans in one write, as a busy terminal delivers them
        terminal.write((MILK + "\r") * 3)
        expected = [["MILK-1L", "3.000"]]
        terminal.wait_for(settled, "one write of three scans")
        # 5 ms and 50 ms apart, each scan one write
        for code, gap, entry in ((BREAD, 0.005, "BREAD-W"), (TEA, 0.05, "TEA-100")):
            for _scan in range(3):
                terminal.write(code + "\r")
                time.sleep(gap)
            expected = [*expected, [entry, "3.000"]]
            terminal.wait_for(settled, f"three scans {gap * 1000:.0f} ms apart")
        time.sleep(0.5)  # nothing more arrives: no scan was counted twice
        state = terminal.state()
        assert state["cart"] == expected and state["screen"] == "SaleScreen", state
    finally:
        terminal.close()
