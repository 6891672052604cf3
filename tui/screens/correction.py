"""A correction receipt (чек коррекции): a settlement the register did not record, or recorded wrongly,
made now with its basis (tags 1173/1174: own initiative or the tax service's order, its date and
number). One line and one payment: what a cashier's notebook from a day the register was down holds;
more lines go through ``kassa correction``."""

from __future__ import annotations

from datetime import date, datetime

from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Button, Input, Select

from agent.i18n import N_, _
from tui.money import parse_money
from tui.screens.dialogs import FormDialog, choices, picker
from tui.widgets.plain import PlainLabel, PlainStatic

SIGNS = {
    "sale": N_("Sale (income)"),
    "return": N_("Return of a sale"),
    "expense": N_("Expense"),
    "expense_return": N_("Return of an expense"),
}
BASES = {"self": N_("Own initiative"), "order": N_("The tax service's order")}
PAYMENTS = {"cash": N_("cash"), "card": N_("card")}
DATE_FORMAT = "%d.%m.%Y"
MAX_REASON, MAX_NUMBER, MAX_NAME = 256, 32, 128  # the API's bounds (CorrectionRequest)


def parse_day(text: str) -> date | None:
    """ "20.11.2026" or "2026-11-20"; None for anything else."""
    for layout in (DATE_FORMAT, "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), layout).date()
        except ValueError:
            continue
    return None


def correction_body(values: dict[str, str], today: date) -> tuple[dict | None, str]:
    """The ``POST /v1/corrections`` body (without its uuid) from the dialog's fields, or what is wrong."""
    day = parse_day(values["date"]) if values["date"].strip() else today
    if day is None:
        return None, _("Type the date of the settlement as DD.MM.YYYY")
    if day > today:
        return None, _("The settlement being corrected cannot be in the future")
    number = values["number"].strip()
    if values["basis"] == "order" and not number:
        return None, _("A correction by the tax service's order needs the order's number")
    reason = values["reason"].strip()
    if not reason:
        return None, _("Say why the correction is made")
    name = values["name"].strip()
    if not name:
        return None, _("Type what was sold (the line's name)")
    amount = parse_money(values["amount"])
    if not amount:
        return None, _("Enter a sum like 1000 or 1000.50")
    body = {
        "sign": values["sign"],
        "type": values["basis"],
        "reason": reason,
        "document_date": day.isoformat(),
        "lines": [{"name": name, "price": amount}],
        "payments": [{"kind": values["payment"], "amount": amount}],
    }
    if number:
        body["document_number"] = number
    return body, ""


class CorrectionScreen(FormDialog):
    """The fields of a correction receipt; answers the request body, or None when cancelled."""

    def __init__(self, today: date | None = None) -> None:
        super().__init__()
        self.today = today or date.today()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="correction"):
            yield PlainLabel(_("Correction receipt"), classes="dialog-title")
            with Grid(id="correction-grid"):
                yield PlainLabel(_("Settlement"))
                yield picker(choices(SIGNS), "sale", "sign")
                yield PlainLabel(_("Basis"))
                yield picker(choices(BASES), "self", "basis")
                yield PlainLabel(_("Date of the settlement"))
                yield Input(self.today.strftime(DATE_FORMAT), id="date", max_length=10, compact=True)
                yield PlainLabel(_("Order number"))
                yield Input(id="number", max_length=MAX_NUMBER, compact=True, placeholder=_("if by order"))
                yield PlainLabel(_("Reason"))
                yield Input(id="reason", max_length=MAX_REASON, compact=True)
                yield PlainLabel(_("What was sold"))
                yield Input(id="name", max_length=MAX_NAME, compact=True)
                yield PlainLabel(_("Sum"))
                yield Input(id="amount", max_length=16, compact=True, placeholder="1000.50")
                yield PlainLabel(_("Payment"))
                yield picker(choices(PAYMENTS), "cash", "payment")
            yield PlainStatic("", id="correction-error", classes="error-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Make the correction"), variant="primary", id="yes")
                yield Button(_("Cancel"), id="no")

    def on_mount(self) -> None:
        self.query_one("#sign", Select).focus()

    def values(self) -> dict[str, str]:
        out = {key: str(self.query_one(f"#{key}", Select).value) for key in ("sign", "basis", "payment")}
        for key in ("date", "number", "reason", "name", "amount"):
            out[key] = self.query_one(f"#{key}", Input).value
        return out

    def submit(self) -> None:
        body, problem = correction_body(self.values(), self.today)
        if body is None:
            self.query_one("#correction-error", PlainStatic).update(problem)
            return
        self.dismiss(body)
