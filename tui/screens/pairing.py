"""The two dialogs of the connection screen: the sync code, and the exchange settings."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Button, Input, Select, Switch

from agent.client import DaemonError
from agent.i18n import N_, _, ngettext
from tui.plain import plain, printable
from tui.screens.dialogs import ConfirmScreen, Dialog, choices, picker
from tui.widgets.plain import PlainLabel, PlainStatic

# seconds, as the daemon stores them; "never": no automatic run, "Обновить сейчас" still works
INTERVALS: list[int | str] = [60, 300, 900, 1800, 3600, 14400, 86400, "never"]


def interval_label(value: int | str | None) -> str:
    if value in (None, "never", 0):
        return _("Never")
    seconds = int(value)
    if seconds in (60, 3600):  # "каждую минуту", not "каждую 1 минуту"
        return _("every minute") if seconds == 60 else _("every hour")
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return ngettext("every {n} hour", "every {n} hours", hours).format(n=hours)
    minutes = max(1, seconds // 60)
    return ngettext("every {n} minute", "every {n} minutes", minutes).format(n=minutes)


def interval_options(current: int | str | None) -> list[tuple[str, str]]:
    values = list(INTERVALS)
    if current not in (None, *values):
        values.insert(0, current)
    return [(interval_label(value), str(value)) for value in values]


def pairing_summary(pairing: dict) -> Text:
    """What the register is now connected to, as `kassa pair` prints it."""
    text = Text("✔ " + _("Connection established"), style="bold green")
    if pairing.get("organization"):
        text.append(
            "\n"
            + _("Organization: {name} (INN {inn})").format(
                name=printable(pairing["organization"], one_line=True),
                inn=printable(pairing.get("organization_inn") or "—", one_line=True),
            )
        )
    store = printable(pairing.get("store") or "", one_line=True)
    if pairing.get("store_address"):
        store += ", " + printable(pairing["store_address"], one_line=True)
    if store:
        text.append("\n" + _("Store: {store}").format(store=store))
    if pairing.get("backoffice_url"):
        text.append(
            "\n" + _("Back office: {url}").format(url=printable(pairing["backoffice_url"], one_line=True))
        )
    return text


def check_address(url: str) -> str | None:
    """Why the typed back-office address will not do, or None; the daemon checks it again."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return _("Type the back office's address, e.g. https://backoffice.example")
    if parts.scheme == "http" and not _loopback(parts.hostname):
        return _("The address must start with https:// (plain http only for this computer itself)")
    return None


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class PairScreen(Dialog):
    """The back office's address (remembered from the last pairing) and the one-time sync code,
    then "Подключить"."""

    def __init__(self, url: str | None = None) -> None:
        super().__init__()
        self.url = url or ""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="pair"):
            yield PlainLabel(_("Connect the register"), classes="dialog-title")
            yield PlainStatic(_("The back office's address:"), classes="dialog-text")
            yield Input(self.url, id="url", placeholder="https://backoffice.example", max_length=500)
            yield PlainStatic(_("Enter the sync code from the back office."), classes="dialog-text")
            yield Input(id="code", placeholder=_("Sync code"), max_length=64)
            yield PlainStatic("", id="pair-result", classes="dialog-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Connect"), variant="primary", id="yes")
                yield Button(_("Cancel"), id="no")

    answer: dict | None = None

    def on_mount(self) -> None:
        self.query_one("#code" if self.url else "#url", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "url":
            self.query_one("#code", Input).focus()
            return
        self.connect()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "yes":
            self.connect()
        else:
            self.dismiss(None)

    def connect(self) -> None:
        if self.answer is not None:
            self.dismiss(self.answer)
            return
        result = self.query_one("#pair-result", PlainStatic)
        url = self.query_one("#url", Input).value.strip()
        code = self.query_one("#code", Input).value.strip()
        problem = check_address(url)
        if problem:
            result.update(plain(problem, "bold red"))
            self.query_one("#url", Input).focus()
            return
        if not code:
            result.update(plain(_("Type the sync code."), "bold red"))
            self.query_one("#code", Input).focus()
            return
        result.update(_("Connecting…"))
        api = self.app.api

        async def work() -> None:
            try:
                answer = await api.pair(code, url)
            except DaemonError as error:
                result.update(plain(error.message, "bold red"))
                return
            self.answer = answer or {}
            result.update(pairing_summary(self.answer))
            self.query_one("#code", Input).disabled = True
            self.query_one("#url", Input).disabled = True
            yes = self.query_one("#yes", Button)
            yes.label = _("Next")
            yes.focus()

        self.run_worker(work(), exclusive=True)


# an order with a zero total: a fiscal register prints no such receipt
ZERO_TOTAL_CHOICES = {
    "settle": N_("Settle without a receipt"),
    "hold": N_("Hold for the cashier"),
}


class SyncSettingsScreen(Dialog):
    """Exchange settings: products and employees on an interval (or "Никогда"), receipts automatic,
    whether the register's products must equal the back office's, and what becomes of zero-total
    orders."""

    def __init__(self, settings: dict, just_paired: bool = False) -> None:
        super().__init__()
        self.settings = dict(settings or {})
        self.just_paired = just_paired

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="sync-settings"):
            if self.just_paired:
                yield PlainLabel("✔ " + _("Connection established"), classes="dialog-title ok")
            yield PlainLabel(_("Exchange with the back office"), classes="dialog-title")
            with Grid(id="settings-grid"):
                yield PlainLabel(_("Receipts export"))
                yield PlainLabel(_("automatically"))
                yield PlainLabel(_("Products export"))
                current = self.settings.get("products", 900)
                yield picker(interval_options(current), str(current), "products")
                yield PlainLabel(_("Employees export"))
                current = self.settings.get("employees", 900)
                yield picker(interval_options(current), str(current), "employees")
                yield PlainLabel(_("Orders import"))
                current = self.settings.get("orders", 60)
                yield picker(interval_options(current), str(current), "orders")
                yield PlainLabel(_("Product sync"))
                yield Switch(value=bool(self.settings.get("product_sync", True)), id="product_sync")
                yield PlainLabel(_("Zero-total orders"))
                current = self.settings.get("zero_total_orders") or "settle"
                choice = current if current in ZERO_TOTAL_CHOICES else "settle"
                yield picker(choices(ZERO_TOTAL_CHOICES), choice, "zero_total_orders")
            yield PlainStatic("", id="settings-error", classes="error-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Save"), variant="primary", id="yes")
                yield Button(_("Cancel"), id="no")

    def on_mount(self) -> None:
        self.query_one("#products", Select).focus()

    def chosen(self) -> dict:
        def value(widget_id: str) -> int | str:
            raw = str(self.query_one(f"#{widget_id}", Select).value)
            return raw if raw == "never" else int(raw)

        return {
            "products": value("products"),
            "employees": value("employees"),
            "orders": value("orders"),
            "product_sync": self.query_one("#product_sync", Switch).value,
            "zero_total_orders": str(self.query_one("#zero_total_orders", Select).value),
        }

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id != "yes":
            self.dismiss(None)
            return
        settings = self.chosen()
        before = bool(self.settings.get("product_sync", True))
        if settings["product_sync"] == before:
            self.save(settings, confirm=False)
        elif settings["product_sync"]:
            self.app.push_screen(
                ConfirmScreen(
                    _("Product sync"),
                    _(
                        "The register's products (and groups) will match the back office exactly. "
                        "Products added at the register will be deleted."
                    ),
                    _("Sync products"),
                ),
                lambda yes: yes and self.save(settings, confirm=True),
            )
        else:
            self.app.push_screen(
                ConfirmScreen(
                    _("Product sync"),
                    _(
                        "Products added at the register will not reach the back office, and they will be "
                        "deleted when sync is turned on again."
                    ),
                    _("Turn off sync"),
                ),
                lambda yes: yes and self.save(settings, confirm=True),
            )

    def save(self, settings: dict, confirm: bool) -> None:
        api = self.app.api

        async def work() -> None:
            try:
                saved = await api.save_sync_settings(settings, confirm=confirm)
            except DaemonError as error:
                self.query_one("#settings-error", PlainStatic).update(error.message)
                return
            self.dismiss(saved if isinstance(saved, dict) and saved else settings)

        self.run_worker(work(), exclusive=True)
