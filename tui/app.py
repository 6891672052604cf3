"""The cashier's app: one mode per job (sale, receipts, shift, orders, connection, devices),
F-keys to move between them, and the daemon's status polled for the status bar."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import CommandPalette
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import Screen

from agent.client import DaemonError
from agent.i18n import N_, _
from common.digits import is_digits
from tui.api import KassaApi
from tui.bindings import localize_bindings
from tui.plain import printable
from tui.screens.connection import ConnectionScreen
from tui.screens.devices import DevicesScreen
from tui.screens.login import LoginScreen
from tui.screens.orders import OrdersScreen
from tui.screens.receipts import ReceiptsScreen
from tui.screens.sale import SaleScreen
from tui.screens.shift import ShiftScreen

WORK_MODES = {
    "sale": (SaleScreen, "f2", N_("Sale")),
    "receipts": (ReceiptsScreen, "f3", N_("Receipts")),
    "shift": (ShiftScreen, "f4", N_("Shift")),
    "orders": (OrdersScreen, "f5", N_("Orders")),
    "connection": (ConnectionScreen, "f6", N_("Connection")),
    "devices": (DevicesScreen, "f7", N_("Devices")),
}
DESCRIPTIONS = {
    "sale": N_("Sell goods: scan or type, then pay"),
    "receipts": N_("Receipts: details, returns, copies"),
    "shift": N_("Open or close the shift, X report, cash in and out"),
    "orders": N_("Marketplace orders to fiscalize"),
    "connection": N_("Back-office connection, sync settings, Update now"),
    "devices": N_("Fiscal register and receipt printer"),
}


class KassaApp(App):
    CSS_PATH = "kassa.tcss"
    TITLE = "kassa"
    HORIZONTAL_BREAKPOINTS: ClassVar[list] = [(0, "-narrow"), (130, "-wide")]
    MODES: ClassVar[dict] = {"login": LoginScreen, **{name: entry[0] for name, entry in WORK_MODES.items()}}
    BINDINGS: ClassVar[list] = [
        Binding("f1", "command_palette", N_("Commands"), priority=True),
        *(
            Binding(key, f"go('{name}')", title, priority=True)
            for name, (_screen, key, title) in WORK_MODES.items()
        ),
        Binding("f12", "logout", N_("Log out"), priority=True),
        Binding("ctrl+q", "quit", N_("Quit"), show=False, priority=True),
    ]

    status: reactive[dict | None] = reactive(None)

    def __init__(self, api: KassaApi, employee: dict | None = None, poll_seconds: float = 3.0):
        super().__init__()
        self.api = api
        self.first_employee = employee
        self.poll_seconds = poll_seconds
        self._last_ctrl_c = -10.0
        localize_bindings(self)

    def on_mount(self) -> None:
        if self.first_employee:
            self.enter(self.first_employee)
        else:
            self.switch_mode("login")
        self.refresh_status()
        if self.poll_seconds:
            self.set_interval(self.poll_seconds, self.refresh_status)

    async def on_unmount(self) -> None:
        await self.api.close()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every notification is plain text: messages carry names and the daemon's errors."""
        kwargs = {} if timeout is None else {"timeout": timeout}
        super().notify(printable(message), title=printable(title), severity=severity, markup=False, **kwargs)

    def get_key_display(self, binding: Binding) -> str:
        """F-keys as printed on the keyboard: F2, not f2."""
        key = binding.key
        if key[:1] == "f" and is_digits(key[1:]):
            return key.upper()
        return super().get_key_display(binding)

    # -- who is at the register -----------------------------------------------------------------
    def enter(self, employee: dict) -> None:
        self.api.employee = employee
        self.switch_mode("sale")

    def action_logout(self) -> None:
        if self.current_mode == "login":
            return
        self.run_worker(self.api.logout(), group="logout")
        self.switch_mode("login")
        for name, (screen, _key, _title) in WORK_MODES.items():
            self.remove_mode(name)
            self.add_mode(name, screen)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("go", "logout", "command_palette"):
            return self.api.employee is not None and self.current_mode != "login"
        return True

    def action_go(self, mode: str) -> None:
        if self.api.employee is not None and mode in WORK_MODES:
            self.switch_mode(mode)

    # -- the daemon's state ---------------------------------------------------------------------
    def refresh_status(self) -> None:
        self.run_worker(self._load_status(), group="status", exclusive=True)

    async def _load_status(self) -> None:
        try:
            self.status = await self.api.status()
        except DaemonError:
            self.status = None

    def action_help_quit(self) -> None:
        """Ctrl+C twice within 3 s quits (once is too easy to press by accident at a till)."""
        now = time.monotonic()
        if now - self._last_ctrl_c < 3:
            self.exit()
            return
        self._last_ctrl_c = now
        self.notify(_("Press Ctrl+C again (or Ctrl+Q) to close the cashier's screen."), title=_("Quit?"))

    # -- command palette ------------------------------------------------------------------------
    def action_command_palette(self) -> None:
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(CommandPalette(placeholder=_("Search for commands…"), id="--command-palette"))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        if self.api.employee is not None:
            for name, (_screen, key, title) in WORK_MODES.items():
                yield SystemCommand(
                    f"{_(title)} ({key.upper()})", _(DESCRIPTIONS[name]), lambda n=name: self.action_go(n)
                )
            for binding in screen.active_bindings.values():
                if binding.node is screen and binding.binding.show and binding.binding.description:
                    action = binding.binding.action
                    yield SystemCommand(
                        f"{binding.binding.description} ({binding.binding.key.upper()})",
                        _("On this screen"),
                        lambda a=action: self.run_action(a, screen),
                    )
            yield SystemCommand(
                _("Log out") + " (F12)", _("Hand the register to someone else"), self.action_logout
            )
        yield SystemCommand(_("Quit"), _("Close the cashier's screen (the service keeps running)"), self.exit)
