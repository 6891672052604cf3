"""Payment ("Оплата"): cash with the change shown as you type, card, or both; buyer's phone or e-mail."""

from __future__ import annotations

import re
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Button, Input

from agent.i18n import N_, _
from tui.cart import split_payment
from tui.money import format_money, parse_money
from tui.screens.dialogs import FormDialog
from tui.widgets.plain import PlainLabel, PlainStatic

CONTACT = re.compile(r"^(\+?[0-9][0-9 ()-]{9,17}|[^@\s]+@[^@\s]+\.[^@\s]+)$")


class PaymentScreen(FormDialog):
    BINDINGS: ClassVar[list] = [
        Binding("f5", "all_cash", N_("All cash")),
        Binding("f6", "all_card", N_("All by card")),
        Binding("escape", "cancel", N_("Cancel")),
    ]

    def __init__(self, total: int) -> None:
        super().__init__()
        self.total = total

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="payment"):
            yield PlainLabel(_("Payment"), classes="dialog-title")
            yield PlainStatic(
                Text(_("To pay: {amount}").format(amount=format_money(self.total)), style="bold")
            )
            with Grid(id="payment-grid"):
                yield PlainLabel(_("Cash (F5)"))
                yield Input(format_money(self.total).replace(" ", ""), id="cash", select_on_focus=True)
                yield PlainLabel(_("Card (F6)"))
                yield Input("", id="card", select_on_focus=True)
                yield PlainLabel(_("Phone or e-mail"))
                yield Input("", id="contact", placeholder=_("for an electronic receipt"))
            yield PlainStatic("", id="change")
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Pay"), variant="primary", id="yes")
                yield Button(_("Cancel"), id="no")

    def on_mount(self) -> None:
        self.query_one("#cash", Input).focus()
        self.recompute()

    def amounts(self) -> tuple[int | None, int | None]:
        cash_text = self.query_one("#cash", Input).value
        card_text = self.query_one("#card", Input).value
        cash = parse_money(cash_text) if cash_text.strip() else 0
        card = parse_money(card_text) if card_text.strip() else 0
        return cash, card

    def outcome(self) -> tuple[dict | None, str]:
        cash, card = self.amounts()
        if cash is None or card is None:
            return None, _("Enter sums like 500 or 500.50")
        split = split_payment(self.total, cash, card)
        if split is None:
            if card > self.total:
                return None, _("The card cannot pay more than the total")
            return None, _("Not enough: {amount} more").format(amount=format_money(self.total - cash - card))
        contact = self.query_one("#contact", Input).value.strip()
        if contact and not CONTACT.match(contact):
            return None, _("Enter a phone like +79001234567 or an e-mail")
        payments, change = split
        return {"payments": payments, "change": change, "buyer_contact": contact or None}, ""

    @on(Input.Changed)
    def recompute(self) -> None:
        result, problem = self.outcome()
        change = self.query_one("#change", PlainStatic)
        if result is None:
            change.update(Text(problem, style="bold red"))
        else:
            text = Text(_("Change: "), style="bold")
            text.append(format_money(result["change"]), style="bold reverse")
            change.update(text)

    def action_all_cash(self) -> None:
        self.query_one("#cash", Input).value = format_money(self.total).replace(" ", "")
        self.query_one("#card", Input).value = ""
        self.query_one("#cash", Input).focus()

    def action_all_card(self) -> None:
        self.query_one("#card", Input).value = format_money(self.total).replace(" ", "")
        self.query_one("#cash", Input).value = ""
        self.query_one("#card", Input).focus()

    def submit(self) -> None:
        result, _problem = self.outcome()
        if result is not None:
            self.dismiss(result)
