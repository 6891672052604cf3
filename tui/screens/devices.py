"""Devices ("Оборудование"): the fiscal register and the receipt printer, their profiles, a test print."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button

from agent.i18n import N_, _
from tui.money import format_money
from tui.plain import printable
from tui.screens.base import KassaScreen
from tui.timefmt import local_time
from tui.widgets.plain import PlainStatic
from tui.widgets.status_bar import printer_state


def device_text(title: str, device: dict | None) -> Text:
    text = Text(title + "\n", style="bold")
    if not device:
        text.append(_("not configured"))
        return text
    state = device.get("state") or "absent"
    text.append(_("State: "))
    text.append(printer_state(state) + "\n", style="green" if state == "ready" else "bold red")
    for label, key in ((_("Model: "), "model"), (_("Profile: "), "profile"), (_("Port: "), "port")):
        if device.get(key):
            text.append(f"{label}{printable(device[key])}\n")
    if device.get("message"):
        text.append(printable(device["message"]) + "\n", style="yellow")
    text.rstrip()
    return text


FN_WARNINGS = {
    "fn_replace_urgent": N_("Replace the FN within 3 days"),
    "fn_replace_soon": N_("Replace the FN within 30 days"),
    "fn_memory_low": N_("The FN's memory is 90 % full"),
    "ofd_timeout": N_("The OFD has not confirmed documents for too long"),
}


def fn_text(status: dict) -> Text:
    fn = status.get("fn") or {}
    text = Text(_("Fiscal storage (FN)") + "\n", style="bold")
    text.append(_("Not sent to the tax service: {n}").format(n=fn.get("unsent", 0)) + "\n")
    if fn.get("oldest_unsent_at"):
        text.append(_("Oldest unsent: {when}").format(when=local_time(fn["oldest_unsent_at"])) + "\n")
    if fn.get("days_left") is not None:
        days = int(fn["days_left"])
        text.append(_("Days left to send: {n}").format(n=days) + "\n", style="bold red" if days < 5 else "")
    if fn.get("expires"):
        days = fn.get("expires_in_days")
        style = "bold red" if isinstance(days, int) and days <= 30 else ""
        line = _("Valid until {date} ({n} days)").format(date=fn["expires"], n=days)
        text.append(line + "\n", style=style)
    for warning in fn.get("warnings") or ():
        message = FN_WARNINGS.get(warning.get("code"))
        if message:
            text.append(_(message) + "\n", style="bold red")
    for item in status.get("attention") or ():
        text.append(needs_person_line(item) + "\n", style="bold red")
    text.rstrip()
    return text


CASH_KINDS = {"cash_in": N_("Cash in"), "cash_out": N_("Cash out")}


def needs_person_line(item: dict) -> str:
    """A document only a person can settle: what, when, and what to do (the daemon's words)."""
    kind = CASH_KINDS.get(item.get("type"), N_("Document"))
    line = _("{kind} of {amount} at {time} needs you: {message}").format(
        kind=_(kind),
        amount=format_money(int(item.get("total") or 0)),
        time=local_time(item.get("created_at")),
        message=_(str(item.get("message") or "")),
    )
    return printable(line)


class DevicesScreen(KassaScreen):
    TITLE = N_("Devices")
    BINDINGS: ClassVar[list] = [Binding("f8", "test_print", N_("Test print"))]

    def body(self) -> ComposeResult:
        with VerticalScroll(id="devices-body"):
            with Horizontal(id="device-panels"):
                yield PlainStatic("", id="fiscal-info", classes="panel")
                yield PlainStatic("", id="printer-info", classes="panel")
            yield PlainStatic("", id="fn-info", classes="panel")
            with Horizontal(classes="buttons"):
                yield Button(_("Test print"), id="test_print")

    def on_mount(self) -> None:
        self.watch(self.app, "status", self._status)

    def _status(self, status: dict | None) -> None:
        status = status or {}
        self.query_one("#fiscal-info", PlainStatic).update(
            device_text(_("Fiscal register"), status.get("printer"))
        )
        self.query_one("#printer-info", PlainStatic).update(
            device_text(_("Receipt printer"), status.get("receipt_printer"))
        )
        self.query_one("#fn-info", PlainStatic).update(fn_text(status))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_test_print()

    def action_test_print(self) -> None:
        status = self.app.status or {}
        device = "receipt_printer" if status.get("receipt_printer") else "printer"
        self.call(lambda: self.api.test_print(device), lambda _answer: self.notify(_("Test page sent.")))
