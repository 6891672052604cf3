"""A correction receipt (чек коррекции): a settlement the register did not record, or recorded wrongly,
made now with its basis (tags 1173/1174: own initiative or the tax service's order, its date and
number). One line and one payment: what a cashier's notebook from a day the register was down holds;
more lines go through ``kassa correction``. A unit of marked goods is corrected with its code: the
DataMatrix scanned into the dialog names the catalog's product and is checked as a sale's scan."""

from __future__ import annotations

from datetime import date, datetime

from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Button, Input, Select

from agent.client import DaemonError
from agent.i18n import N_, _
from common.marking import MarkingCodeError, barcodes_of_gtin, parse, product_gtins
from tui.money import parse_money
from tui.screens.dialogs import FormDialog, choices, picker
from tui.widgets.plain import PlainLabel, PlainStatic
from tui.widgets.scan_input import ScanInput, with_gs

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
    if not name and not values.get("mark", "").strip():  # a marked unit is named by its product
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


async def marked_line(api, raw: str, sign: str, substitutes: tuple[str, ...]) -> tuple[dict | None, str]:
    """The catalog product of a scanned marking code, checked by the daemon as a sale's scan is:
    ``{"code", "name", "marks"}`` for the line, or what is wrong."""
    try:
        code = parse(with_gs(raw), substitutes)
    except MarkingCodeError as error:
        return None, error.render(_)
    try:
        product = None
        for barcode in barcodes_of_gtin(code.gtin):
            found = await api.products(barcode)
            product = next((p for p in found if code.gtin in product_gtins(p["barcodes"])), None)
            if product is not None:
                break
        if product is None:
            return None, _("No product with the GTIN {gtin} in the catalog.").format(gtin=code.gtin)
        kind = "return" if sign == "return" else "sale"
        answer = await api.check_mark(code.code, product["code"], kind=kind)
    except DaemonError as error:
        if error.status in (404, 409, 422):
            return None, error.message
        answer = {"allowed": True}  # not checked now: the correction checks it again with the FN
    if not answer["allowed"]:
        return None, answer["message"]
    return {"code": product["code"], "name": product["name"], "marks": [code.code]}, ""


class CorrectionScreen(FormDialog):
    """The fields of a correction receipt; answers the request body, or None when cancelled."""

    def __init__(self, today: date | None = None, api=None) -> None:
        super().__init__()
        self.today = today or date.today()
        self.api = api  # for a marked unit's product and check (tui.api.KassaApi)

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
                yield PlainLabel(_("Marking code"))
                yield ScanInput(id="mark", compact=True, placeholder=_("marked goods: scan the DataMatrix"))
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
        for key in ("date", "number", "reason", "name", "amount", "mark"):
            out[key] = self.query_one(f"#{key}", Input).value
        return out

    def on_scan_input_entered(self, event: ScanInput.Entered) -> None:
        """A scanner's Enter in the marking code's field keeps the code for the form's own submit."""
        event.stop()
        event.control.value = event.value

    def submit(self) -> None:
        body, problem = correction_body(self.values(), self.today)
        if body is None:
            self.query_one("#correction-error", PlainStatic).update(problem)
            return
        mark = self.query_one("#mark", ScanInput).value.strip()
        if not mark or self.api is None:
            self.dismiss(body)
            return
        self.run_worker(self._with_mark(body, mark), group="mark", exclusive=True)

    async def _with_mark(self, body: dict, mark: str) -> None:
        line, problem = await marked_line(self.api, mark, body["sign"], self.api.mark_substitutes)
        if line is None:
            self.query_one("#correction-error", PlainStatic).update(problem)
            return
        self.query_one("#name", Input).value = line.pop("name")
        body["lines"] = [{**line, "price": body["lines"][0]["price"]}]
        self.dismiss(body)
