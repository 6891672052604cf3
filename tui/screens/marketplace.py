"""Marketplace accounts ("Аккаунты маркетплейсов"): the connected accounts with their token's
validity, connecting one by the device flow (link, user code, QR), each account's settings, removal.

What the session may do is the daemon's answer at login (``KassaApi.may``); nothing here knows roles.
"""

from __future__ import annotations

import contextlib
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Input, RadioButton, RadioSet

from agent.client import DaemonError
from agent.i18n import N_, _
from common.digits import is_digits
from tui.plain import plain, printable
from tui.screens.base import KassaScreen
from tui.screens.dialogs import ConfirmScreen, Dialog, FormDialog
from tui.screens.pairing import interval_label
from tui.timefmt import local_time
from tui.widgets.plain import PlainLabel, PlainStatic, PlainTable

MAX_MINUTES = 7 * 24 * 60  # the daemon takes 60 s .. 7 days between imports
PAYMENT_KINDS = {"card": N_("Card"), "cash": N_("Cash")}
FLOW_POLL = 1.0  # seconds between looks at the daemon's flow (the daemon itself polls the marketplace)


def account_state(account: dict) -> Text:
    if account.get("state") != "connected":
        return Text("✘ " + _("re-connect needed"), style="bold red")
    if not account.get("token_valid"):
        return Text("✘ " + _("token expired"), style="bold yellow")
    return Text("✔ " + _("token valid"), style="green")


def yes_no(value: object) -> str:
    return _("yes") if value else _("no")


def account_text(account: dict) -> Text:
    """One account in words: state and reason, token validity, settings, last import."""
    text = Text()
    text.append(printable(account.get("name"), one_line=True), "bold")
    text.append(f"  ({printable(account.get('marketplace'), one_line=True)})\n")
    text.append_text(account_state(account))
    if account.get("state") != "connected" and account.get("reason"):
        text.append(": " + printable(account["reason"]), style="red")
    text.append("\n")
    if account.get("state") != "connected":
        text.append(_("Connect the account again (F8) with the same seller login."), "bold")
        text.append("\n")
    expires = account.get("token_expires_at")
    text.append(_("Token valid until: {when}").format(when=local_time(expires) if expires else "—") + "\n")
    text.append(_("Last import: {when}").format(when=local_time(account.get("last_import_at")) or "—"))
    if account.get("last_error"):
        text.append("  " + printable(account["last_error"], one_line=True), style="red")
    text.append("\n" + _("Orders waiting: {n}").format(n=account.get("waiting_orders") or 0))
    return text


class MarketplaceScreen(KassaScreen):
    TITLE = N_("Marketplace accounts")
    BINDINGS: ClassVar[list] = [
        Binding("f8", "connect", N_("Connect")),
        Binding("f9", "change", N_("Settings")),
        Binding("f10", "remove", N_("Remove")),
        Binding("ctrl+r", "reload", N_("Refresh")),
        Binding("escape", "back", N_("Back")),
    ]
    ACTION_ROUTES: ClassVar[dict[str, str]] = {
        "connect": "POST /v1/marketplace/accounts",
        "change": "PATCH /v1/marketplace/accounts/{account_id}",
        "remove": "DELETE /v1/marketplace/accounts/{account_id}",
    }

    def __init__(self) -> None:
        super().__init__()
        self.accounts: list[dict] = []

    def body(self) -> ComposeResult:
        with Vertical(id="accounts-body", classes="split"):
            table = PlainTable(id="accounts", cursor_type="row", zebra_stripes=True)
            table.add_columns(_("Account"), _("State"), _("Import"), _("Auto"), _("Payment"))
            yield table
            yield PlainStatic("", id="account-detail", classes="detail")

    def on_mount(self) -> None:
        self.query_one("#accounts", PlainTable).focus()
        self.refresh_data()

    def refresh_data(self) -> None:
        self.call(self.api.marketplace_accounts, self.show, group="load", exclusive=True)

    def action_reload(self) -> None:
        self.refresh_data()

    def action_back(self) -> None:
        self.dismiss()

    def show(self, accounts: list[dict]) -> None:
        self.accounts = accounts
        table = self.query_one("#accounts", PlainTable)
        row = table.cursor_row
        table.clear()
        for account in accounts:
            table.add_row(
                account.get("name") or "",
                account_state(account),
                interval_label(account.get("interval")) if account.get("active") else _("off"),
                yes_no(account.get("auto_fiscalize")),
                _(PAYMENT_KINDS.get(account.get("payment_kind"), "")),
            )
        if accounts:
            table.move_cursor(row=min(max(row, 0), len(accounts) - 1))
        self._detail()

    def _detail(self) -> None:
        account = self.selected(quiet=True)
        detail = self.query_one("#account-detail", PlainStatic)
        if account is not None:
            detail.update(account_text(account))
        else:
            detail.update(_("No marketplace account is connected. Press F8 to connect one."))

    @on(PlainTable.RowHighlighted, "#accounts")
    def _highlighted(self, _event: PlainTable.RowHighlighted) -> None:
        self._detail()

    def selected(self, quiet: bool = False) -> dict | None:
        row = self.query_one("#accounts", PlainTable).cursor_row
        if 0 <= row < len(self.accounts):
            return self.accounts[row]
        if not quiet:
            self.notify(_("Choose an account first."), severity="warning")
        return None

    def action_connect(self) -> None:
        if not self.require("connect"):
            return

        def ended(account_id: int | None) -> None:
            self.refresh_data()
            if account_id:
                self.call(self.api.import_orders, lambda _results: self.refresh_data(), group="import")

        self.app.push_screen(ConnectAccountScreen(), ended)

    def action_change(self) -> None:
        account = self.selected()
        if account is None or not self.require("change"):
            return

        def chosen(changes: dict | None) -> None:
            if changes:
                self.call(
                    lambda: self.api.change_marketplace_account(account["id"], changes),
                    lambda _answer: (self.notify(_("Settings saved.")), self.refresh_data()),
                )

        self.app.push_screen(AccountSettingsScreen(account), chosen)

    def action_remove(self) -> None:
        account = self.selected()
        if account is None or not self.require("remove"):
            return
        name = printable(account.get("name"), one_line=True)

        def decided(yes: bool | None) -> None:
            if yes:
                self.call(
                    lambda: self.api.remove_marketplace_account(account["id"]),
                    lambda _answer: (self.notify(_("Account removed.")), self.refresh_data()),
                )

        question = _(
            "Remove the account “{name}” from this register? Its orders already here stay; "
            "no new ones are imported."
        ).format(name=name)
        self.app.push_screen(ConfirmScreen(_("Remove the account"), question, _("Remove")), decided)


class ConnectAccountScreen(Dialog):
    """The device flow: the seller opens the link (or scans the QR) and enters the code; the daemon
    waits for Allegro's answer and we follow it. Dismissed with the new account's id, or None."""

    def __init__(self, name: str | None = None) -> None:
        super().__init__()
        self.account_name = name
        self.flow: dict | None = None
        self.account: int | None = None
        self._timer = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="connect-dialog"):
            yield PlainLabel(_("Connect an Allegro account"), classes="dialog-title")
            with Horizontal(id="connect-flow"):
                yield PlainStatic("", id="connect-qr")
                with Vertical(id="connect-text"):
                    yield PlainStatic(
                        _("Asking Allegro for a code…"), id="connect-steps", classes="dialog-text"
                    )
                    yield PlainStatic("", id="connect-state", classes="dialog-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Close"), id="close", variant="primary")
                yield Button(_("Cancel"), id="no")

    def on_mount(self) -> None:
        self.query_one("#close", Button).display = False
        self.query_one("#no", Button).focus()
        self.run_worker(self._start(), group="connect", exclusive=True)

    async def _start(self) -> None:
        try:
            flow = await self.app.api.connect_marketplace(self.account_name)
        except DaemonError as error:
            self._finished(Text(printable(error.message), style="bold red"))
            return
        self.flow = flow
        self._show(flow)
        self._timer = self.set_interval(FLOW_POLL, self._poll)

    def _poll(self) -> None:
        if self.flow is not None:
            self.run_worker(self._follow(self.flow["id"]), group="poll", exclusive=True)

    async def _follow(self, flow_id: str) -> None:
        try:
            flow = await self.app.api.connect_state(flow_id)
        except DaemonError as error:
            self._finished(Text(printable(error.message), style="bold red"))
            return
        self.flow = flow
        self._show(flow)

    def _show(self, flow: dict) -> None:
        qr = "\n".join(printable(row, one_line=True) for row in flow.get("qr") or [])
        self.query_one("#connect-qr", PlainStatic).update(qr)
        steps = Text()
        steps.append(_("1. Open this link on a phone or computer (or scan the QR code):") + "\n")
        link = flow.get("verification_uri_complete") or flow.get("verification_uri")
        steps.append(printable(link) + "\n\n")
        steps.append(_("2. Log in as the seller and enter the code:") + "\n")
        steps.append(printable(flow.get("user_code"), one_line=True) + "\n\n", style="bold reverse")
        steps.append(_("3. Approve access for kassa."))
        self.query_one("#connect-steps", PlainStatic).update(steps)
        state = flow.get("state")
        if state == "connected":
            self.account = flow.get("account")
            self._finished(Text("✔ " + _("Approved: the account is connected."), style="bold green"))
        elif state == "failed":
            self._finished(self._failure(flow.get("error") or {}))
        else:
            left = int(flow.get("expires_in") or 0)
            waiting = _("Waiting for the seller to approve… the code is valid for {m} min {s} s more.")
            self.query_one("#connect-state", PlainStatic).update(waiting.format(m=left // 60, s=left % 60))

    @staticmethod
    def _failure(error: dict) -> Text:
        headline = {
            "device_denied": _("Denied: the seller refused access. Nothing was connected."),
            "device_expired": _("Expired: the code was not approved in time. Press F8 to start again."),
        }.get(error.get("code"), _("The account was not connected."))
        text = Text("✘ " + headline, style="bold red")
        if error.get("message"):
            text.append("\n" + printable(error["message"]), style="red")
        return text

    def _finished(self, outcome: Text) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.query_one("#connect-state", PlainStatic).update(outcome)
        self.query_one("#no", Button).display = False
        close = self.query_one("#close", Button)
        close.display = True
        close.focus()

    @property
    def pending(self) -> bool:
        return self.flow is not None and self.flow.get("state") == "pending"

    def action_cancel(self) -> None:
        """Escape or Cancel: a pending attempt is called off at the daemon, so no late approval lands."""
        if self._timer is not None:
            self._timer.stop()
        if self.pending:
            flow_id = self.flow["id"]
            api = self.app.api

            async def cancel() -> None:
                with contextlib.suppress(DaemonError):
                    await api.cancel_connect(flow_id)

            self.app.run_worker(cancel(), group="cancel-connect")
        self.dismiss(self.account)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_cancel()


class AccountSettingsScreen(FormDialog):
    """One account's settings: active, import interval, automatic fiscalization, payment kind.
    Dismissed with the changed keys only (as the daemon's PATCH takes them), or None."""

    def __init__(self, account: dict) -> None:
        super().__init__()
        self.account = account

    def minutes(self) -> str:
        interval = self.account.get("interval")
        return "0" if interval in (None, "never") else str(max(1, int(interval) // 60))

    def compose(self) -> ComposeResult:
        account = self.account
        with VerticalScroll(classes="dialog", id="account-settings"):
            yield PlainLabel(
                plain(_("Account settings: ") + printable(account.get("name"), one_line=True)),
                classes="dialog-title",
            )
            yield Checkbox(_("Import orders from this account"), bool(account.get("active")), id="active")
            yield PlainLabel(_("Import every N minutes (0 = never):"))
            yield Input(self.minutes(), id="interval", type="integer", max_length=5)
            yield Checkbox(
                _("Fiscalize paid orders automatically"), bool(account.get("auto_fiscalize")), id="auto"
            )
            yield PlainLabel(_("Payment kind on the receipt:"))
            with RadioSet(id="payment"):
                for kind, title in PAYMENT_KINDS.items():
                    yield RadioButton(_(title), account.get("payment_kind") == kind, id=f"pay-{kind}")
            yield PlainStatic("", id="settings-error", classes="error-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Save"), variant="primary", id="yes")
                yield Button(_("Cancel"), id="no")

    def on_mount(self) -> None:
        self.query_one("#active", Checkbox).focus()

    def changes(self) -> dict | None:
        text = self.query_one("#interval", Input).value.strip()
        if not is_digits(text) or int(text) > MAX_MINUTES:
            problem = _("Type the minutes between imports: 1 to {max}, or 0 for never.")
            problem = problem.format(max=MAX_MINUTES)
            self.query_one("#settings-error", PlainStatic).update(problem)
            return None
        minutes = int(text)
        interval = "never" if minutes == 0 else minutes * 60
        pressed = self.query_one("#payment", RadioSet).pressed_button
        kind = (pressed.id or "").removeprefix("pay-") if pressed else self.account.get("payment_kind")
        wanted = {
            "active": self.query_one("#active", Checkbox).value,
            "interval": interval,
            "auto_fiscalize": self.query_one("#auto", Checkbox).value,
            "payment_kind": kind,
        }
        if minutes and minutes == int(self.minutes()):
            wanted["interval"] = self.account.get("interval")  # unchanged, kept to the second
        return {key: value for key, value in wanted.items() if value != self.account.get(key)}

    def submit(self) -> None:
        changes = self.changes()
        if changes is not None:
            self.dismiss(changes)
