"""Shift ("Смена"): open, X report, close with the Z report, cash in and out, hours left before 24 h."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button

from agent.client import DaemonError
from agent.i18n import N_, _
from tui.money import format_money, parse_money
from tui.plain import plain, printable
from tui.screens.base import KassaScreen
from tui.screens.dialogs import ConfirmScreen, PromptScreen
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
    ACTION_ROUTES: ClassVar[dict[str, str]] = {
        "open_shift": "POST /v1/shift/open",
        "x_report": "POST /v1/reports/x",
        "close_shift": "POST /v1/shift/close",
        "cash_in": "POST /v1/cash/in",
        "cash_out": "POST /v1/cash/out",
    }

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
        opener = shift.get("opened_by")
        if shift.get("open") and opener:  # a cashier closes only the shift opened in their name
            text.append(_("Opened by: {name}").format(name=printable(opener, one_line=True)) + "\n")
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

    def on_register(self, operation: tuple, work, busy: str, done_message: str) -> None:
        """Run a shift operation under its held key, with the message line saying how it goes."""
        message = self.query_one("#shift-message", PlainStatic)
        message.update(busy)
        key = self.operation_key(operation)

        def failed(error: DaemonError) -> None:
            message.update(plain(error.message, "bold red"))

        def done(_answer) -> None:
            message.update(Text(done_message, style="bold green"))
            self.app.refresh_status()
            self.refresh_data()

        self.run_on_register(lambda: work(key), done, failed=failed, stopped=failed, held=(operation, key))

    def action_open_shift(self) -> None:
        self.on_register(("open",), self.api.open_shift, _("Opening the shift…"), _("The shift is open."))

    def action_x_report(self) -> None:
        self.on_register(
            ("x_report",),
            lambda _key: self.api.x_report(),
            _("Printing the X report…"),
            _("X report printed."),
        )

    def action_close_shift(self) -> None:
        if not self.require("close_shift"):
            return

        def decided(yes: bool | None) -> None:
            if yes:
                self.on_register(
                    ("close",),
                    self.api.close_shift,
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

        def check(text: str) -> str | None:
            amount = parse_money(text)
            return None if amount else _("Enter a sum like 1000 or 1000.50")

        def chosen(text: str | None) -> None:
            if text:
                amount = parse_money(text)
                self.on_register(
                    ("cash", kind, amount),
                    lambda key: self.api.cash(kind, amount, key),
                    _("Printing…"),
                    _("{what}: {amount}").format(what=title, amount=format_money(amount)),
                )

        self.app.push_screen(PromptScreen(title, _("Sum"), "", check), chosen)
