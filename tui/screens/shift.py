"""Shift ("Смена"): open, X report, close with the Z report, cash in and out, hours left before 24 h."""

from __future__ import annotations

import uuid
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button

from agent.client import DaemonError
from agent.i18n import N_, _
from tui.errors import is_register_problem, remedy
from tui.money import format_money, parse_money
from tui.plain import plain
from tui.screens.base import KassaScreen
from tui.screens.dialogs import ConfirmScreen, PromptScreen, RegisterProblemScreen
from tui.timefmt import local_time
from tui.widgets.plain import PlainStatic

TOTALS = {"sale": N_("Sales"), "return": N_("Returns"), "cash_in": N_("Cash in"), "cash_out": N_("Cash out")}


def shift_text(status: dict | None) -> Text:
    text = Text()
    if status is None:
        text.append(_("The kassa service does not answer."), style="bold red")
        return text
    shift = status.get("shift") or {}
    if not shift.get("open"):
        text.append(_("The shift is closed."), style="bold")
        text.append("\n" + _("Open a shift (F8) before the first sale."))
        return text
    text.append(_("Shift {number} is open").format(number=shift.get("number")), style="bold")
    if shift.get("opened_at"):
        text.append("\n" + _("Opened: {when}").format(when=local_time(shift["opened_at"])))
    hours = shift.get("hours_left")
    if shift.get("expired"):
        text.append("\n" + _("The shift is over 24 hours: close it with the Z report."), style="bold red")
    elif hours is not None:
        style = "bold yellow" if hours < 2 else ""
        text.append("\n" + _("{hours} h left before 24 hours").format(hours=int(hours)), style=style)
    return text


class ShiftScreen(KassaScreen):
    TITLE = N_("Shift")
    BINDINGS: ClassVar[list] = [
        Binding("f8", "open_shift", N_("Open")),
        Binding("f9", "x_report", N_("X report")),
        Binding("f10", "close_shift", N_("Close (Z)")),
        Binding("plus", "cash('in')", N_("Cash in")),
        Binding("minus", "cash('out')", N_("Cash out")),
    ]

    def body(self) -> ComposeResult:
        with Vertical(id="shift-body"):
            with Horizontal(id="shift-panels"):
                yield PlainStatic(shift_text(self.app.status), id="shift-info", classes="panel")
                yield PlainStatic("", id="shift-totals", classes="panel")
            with Horizontal(classes="buttons"):
                yield Button(_("Open shift"), id="open_shift")
                yield Button(_("X report"), id="x_report")
                yield Button(_("Close shift (Z)"), id="close_shift", variant="warning")
            with Horizontal(classes="buttons"):
                yield Button(_("Cash in"), id="cash_in")
                yield Button(_("Cash out"), id="cash_out")
            yield PlainStatic("", id="shift-message")

    def on_mount(self) -> None:
        self.watch(self.app, "status", self._status)

    def refresh_data(self) -> None:
        self.call(self.api.shift, self._totals, failed=lambda _error: None, group="shift", exclusive=True)

    def _totals(self, shift: dict) -> None:
        totals = shift.get("totals") or {}
        text = Text(_("This shift") + "\n", style="bold")
        for kind, title in TOTALS.items():
            row = totals.get(kind) or {}
            text.append(f"{_(title)}: {row.get('count', 0)} / {format_money(row.get('total', 0))}\n")
        text.rstrip()
        self.query_one("#shift-totals", PlainStatic).update(text)

    def _status(self, status: dict | None) -> None:
        self.query_one("#shift-info", PlainStatic).update(shift_text(status))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        actions = {
            "open_shift": self.action_open_shift,
            "x_report": self.action_x_report,
            "close_shift": self.action_close_shift,
            "cash_in": lambda: self.action_cash("in"),
            "cash_out": lambda: self.action_cash("out"),
        }
        actions[event.button.id]()

    def run_on_register(self, work, busy: str, done_message: str) -> None:
        """Run a register operation, offering Continue when the register needs the cashier's hand."""
        message = self.query_one("#shift-message", PlainStatic)
        message.update(busy)

        def failed(error: DaemonError) -> None:
            message.update(plain(error.message, "bold red"))
            if is_register_problem(error):
                self.app.push_screen(
                    RegisterProblemScreen(error.message, remedy(error)),
                    lambda again: again and self.run_on_register(work, busy, done_message),
                )

        def done(_answer) -> None:
            message.update(Text(done_message, style="bold green"))
            self.app.refresh_status()
            self.refresh_data()

        self.call(work, done, failed=failed, group="register", exclusive=True)

    def action_open_shift(self) -> None:
        key = str(uuid.uuid4())
        self.run_on_register(
            lambda: self.api.open_shift(key), _("Opening the shift…"), _("The shift is open.")
        )

    def action_x_report(self) -> None:
        self.run_on_register(self.api.x_report, _("Printing the X report…"), _("X report printed."))

    def action_close_shift(self) -> None:
        if not self.require_admin():
            return

        key = str(uuid.uuid4())

        def decided(yes: bool | None) -> None:
            if yes:
                self.run_on_register(
                    lambda: self.api.close_shift(key),
                    _("Closing the shift…"),
                    _("The shift is closed, Z report printed."),
                )

        self.app.push_screen(
            ConfirmScreen(
                _("Close shift"), _("Close the shift and print the Z report?"), _("Close shift (Z)")
            ),
            decided,
        )

    def action_cash(self, kind: str) -> None:
        title = _("Cash in") if kind == "in" else _("Cash out")
        key = str(uuid.uuid4())

        def check(text: str) -> str | None:
            amount = parse_money(text)
            return None if amount else _("Enter a sum like 1000 or 1000.50")

        def chosen(text: str | None) -> None:
            if text:
                amount = parse_money(text)
                self.run_on_register(
                    lambda: self.api.cash(kind, amount, key),
                    _("Printing…"),
                    _("{what}: {amount}").format(what=title, amount=format_money(amount)),
                )

        self.app.push_screen(PromptScreen(title, _("Sum"), "", check), chosen)
