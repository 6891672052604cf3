"""Receipts ("Чеки"): the journal's receipts, one in detail, full or partial return, a copy on paper."""

from __future__ import annotations

import contextlib
from datetime import date
from decimal import Decimal
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical

from agent.i18n import N_, _
from common.digits import is_digits
from tui.money import format_money, format_quantity, parse_quantity
from tui.plain import printable
from tui.screens.base import KassaScreen
from tui.screens.correction import CorrectionScreen
from tui.screens.dialogs import ConfirmScreen, PromptScreen
from tui.screens.mark_scan import MarkScanScreen
from tui.timefmt import local_time
from tui.widgets.plain import PlainStatic, PlainTable

KINDS = {
    "sale": N_("sale"),
    "return": N_("return"),
    "correction": N_("correction"),
    "shift_open": N_("shift opened"),
    "shift_close": N_("shift closed"),
    "cash_in": N_("cash in"),
    "cash_out": N_("cash out"),
}
STATES = {"pending": N_("printing"), "fiscalized": N_("done"), "failed": N_("failed")}
# where the document stands with the back office
UPLOAD = {
    "queued": N_("queued"),
    "sent": N_("sent, no answer yet"),
    "accepted": N_("accepted"),
    "duplicate": N_("accepted (duplicate)"),
    "conflict": N_("conflict"),
    "rejected": N_("rejected"),
}
RESENDABLE = ("conflict", "rejected")


def upload_name(state: str | None) -> str:
    return _(UPLOAD[state]) if state in UPLOAD else "—"


def kind_name(kind: str | None) -> str:
    return _(KINDS[kind]) if kind in KINDS else printable(kind, one_line=True)


def receipt_text(receipt: dict) -> Text:
    """The receipt as the cashier reads it on screen."""
    text = Text()
    title = _("Receipt FD {fd}").format(fd=receipt.get("fd") or "—")
    text.append(f"{title}  {kind_name(receipt.get('type'))}\n", style="bold")
    when = local_time(receipt.get("fiscalized_at") or receipt.get("created_at"))
    cashier = receipt.get("cashier") or {}
    name = cashier.get("name") if isinstance(cashier, dict) else receipt.get("cashier_name")
    text.append(f"{when}  {printable(name, one_line=True)}\n")
    for position, line in enumerate(receipt.get("lines") or [], 1):
        quantity = format_quantity(line.get("quantity", "1"))
        amount = format_money(line.get("amount", 0))
        text.append(f"{position}. {printable(line.get('name'), one_line=True)}")
        if line.get("returned") and Decimal(line["returned"]):
            text.append("  " + _("returned {qty}").format(qty=format_quantity(line["returned"])), "yellow")
        text.append("\n")
        text.append(f"   {quantity} × {format_money(line.get('price', 0))}")
        if line.get("discount"):
            text.append("  " + _("disc. {amount}").format(amount=format_money(line["discount"])))
        text.append(f"  = {amount}\n")
    text.append(_("TOTAL: ") + format_money(receipt.get("total", 0)) + "\n", style="bold")
    for payment in receipt.get("payments") or []:
        kind = _("cash") if payment.get("kind") == "cash" else _("card")
        text.append(f"{kind}: {format_money(payment.get('amount', 0))}")
        if payment.get("change"):
            text.append("  " + _("change {amount}").format(amount=format_money(payment["change"])))
        text.append("\n")
    correction = receipt.get("correction")
    if isinstance(correction, dict):
        text.append(correction_text(correction) + "\n")
    if receipt.get("buyer_contact"):
        contact = printable(receipt["buyer_contact"], one_line=True)
        text.append(_("Buyer: {contact}").format(contact=contact) + "\n")
    if receipt.get("fiscal_sign"):
        sign = printable(receipt["fiscal_sign"], one_line=True)
        text.append(_("Fiscal sign {sign}").format(sign=sign) + "\n")
    error = receipt.get("error") or {}
    if error.get("message"):
        text.append(printable(error["message"]) + "\n", style="bold red")
    upload = receipt.get("upload")
    if upload:
        problem = upload in RESENDABLE
        text.append(
            _("Back office: {state}").format(state=upload_name(upload)), style="bold red" if problem else ""
        )
        if receipt.get("upload_error") and upload in (*RESENDABLE, "sent"):
            text.append(": " + printable(receipt["upload_error"]), style="red" if problem else "")
        text.append("\n")
    return text


def correction_text(correction: dict) -> str:
    """Tags 1173/1174 and the reason of a correction receipt."""
    if correction.get("type") == "order":
        basis = _("by the tax service's order {number}")
    else:
        basis = _("own initiative")
    day = correction.get("date")
    with contextlib.suppress(TypeError, ValueError):
        day = date.fromisoformat(day).strftime("%d.%m.%Y")  # as the cashier types it
    return _("Correction of {day} ({basis}): {reason}").format(
        day=printable(day, one_line=True),
        basis=basis.format(number=printable(correction.get("number"), one_line=True)),
        reason=printable(correction.get("reason"), one_line=True),
    )


class ReceiptsScreen(KassaScreen):
    TITLE = N_("Receipts")
    BINDINGS: ClassVar[list] = [
        Binding("f8", "return_all", N_("Return")),
        Binding("f9", "return_part", N_("Partial return")),
        Binding("f10", "copy", N_("Print copy")),
        Binding("f11", "resend", N_("Send again")),
        Binding("ctrl+k", "correction", N_("Correction")),
        Binding("ctrl+r", "reload", N_("Refresh")),
    ]
    ACTION_ROUTES: ClassVar[dict[str, str]] = {
        "return_all": "POST /v1/receipts/{receipt_id}/return",
        "return_part": "POST /v1/receipts/{receipt_id}/return",
        "copy": "POST /v1/receipts/{receipt_id}/copy",
        "resend": "POST /v1/documents/{document_id}/resend",
        "correction": "POST /v1/corrections",
    }

    def __init__(self) -> None:
        super().__init__()
        self.receipts: list[dict] = []
        self.current: dict | None = None

    def body(self) -> ComposeResult:
        with Vertical(id="receipts-body", classes="split"):
            table = PlainTable(id="receipts", cursor_type="row", zebra_stripes=True)
            table.add_columns(_("FD"), _("Time"), _("Kind"), _("Total"), _("State"), _("Back office"))
            yield table
            yield PlainStatic("", id="receipt-detail", classes="detail")

    def on_mount(self) -> None:
        self.query_one("#receipts", PlainTable).focus()

    def refresh_data(self) -> None:
        self.call(self.api.receipts, self.show, group="load", exclusive=True)

    def action_reload(self) -> None:
        self.refresh_data()

    def show(self, receipts: list[dict]) -> None:
        self.receipts = receipts
        table = self.query_one("#receipts", PlainTable)
        row = table.cursor_row
        table.clear()
        for receipt in receipts:
            table.add_row(
                str(receipt.get("fd") or "—"),
                local_time(receipt.get("fiscalized_at") or receipt.get("created_at")),
                kind_name(receipt.get("type")),
                Text(format_money(receipt.get("total", 0)), justify="right"),
                _(STATES.get(receipt.get("status", ""), receipt.get("status", ""))),
                Text(
                    upload_name(receipt.get("upload")),
                    style="bold red" if receipt.get("upload") in RESENDABLE else "",
                ),
            )
        if receipts:
            table.move_cursor(row=min(row, len(receipts) - 1))
            self.load_detail(min(max(row, 0), len(receipts) - 1))
        else:
            self.query_one("#receipt-detail", PlainStatic).update(_("No receipts yet."))

    @on(PlainTable.RowHighlighted, "#receipts")
    def _highlighted(self, event: PlainTable.RowHighlighted) -> None:
        self.load_detail(event.cursor_row)

    def load_detail(self, row: int) -> None:
        if not 0 <= row < len(self.receipts):
            return
        summary = self.receipts[row]
        if summary.get("lines") is not None:
            self._detail(summary)
            return
        self.call(lambda: self.api.receipt(summary["id"]), self._detail, group="detail", exclusive=True)

    def _detail(self, receipt: dict) -> None:
        self.current = receipt
        self.query_one("#receipt-detail", PlainStatic).update(receipt_text(receipt))

    def _returnable(self) -> dict | None:
        receipt = self.current
        if not receipt or receipt.get("type") != "sale" or receipt.get("status") != "fiscalized":
            self.notify(_("Choose a printed sale receipt first."), severity="warning")
            return None
        return receipt

    def action_return_all(self) -> None:
        receipt = self._returnable()
        if not receipt:
            return
        question = _("Return the whole receipt FD {fd} for {amount}?").format(
            fd=receipt.get("fd"), amount=format_money(receipt.get("total", 0))
        )

        def decided(yes: bool | None) -> None:
            if yes:
                self.do_return(receipt, None)

        self.app.push_screen(ConfirmScreen(_("Return"), question, _("Return")), decided)

    def action_return_part(self) -> None:
        receipt = self._returnable()
        if not receipt:
            return
        lines = receipt.get("lines") or []
        hint = "  ".join(f"{position}: {line.get('name')}" for position, line in enumerate(lines, 1))

        def check(text: str) -> str | None:
            return None if parse_return(text, lines) else _("Type position=quantity, e.g. 1=1 2=0.5")

        def chosen(text: str | None) -> None:
            if text:
                self.return_with_marks(receipt, parse_return(text, lines))

        self.app.push_screen(
            PromptScreen(
                _("Partial return"), _("Positions to return: {lines}").format(lines=hint), "", check
            ),
            chosen,
        )

    def return_with_marks(self, receipt: dict, wanted: list[dict]) -> None:
        """A part of a marked line comes back with the codes of its units, scanned one by one; all that
        is left of a line, or any part of a measured one (its one code), needs no scan (the daemon
        takes the codes)."""
        lines = receipt.get("lines") or []
        pending = []
        for entry in wanted:
            line = lines[entry["position"] - 1]
            left = Decimal(str(line.get("quantity", "1"))) - Decimal(str(line.get("returned") or "0"))
            if line.get("marks") and not line.get("measured") and Decimal(entry["quantity"]) < left:
                pending.append((entry, line))

        def collect(index: int) -> None:
            if index == len(pending):
                self.do_return(receipt, wanted)
                return
            entry, line = pending[index]

            def scanned(codes: list[str] | None) -> None:
                if codes:
                    entry["marks"] = codes
                    collect(index + 1)

            sold = [mark["code"] for mark in line["marks"]]
            count = int(Decimal(entry["quantity"]))
            self.app.push_screen(
                MarkScanScreen(line["name"], count, sold, self.api.mark_substitutes), scanned
            )

        collect(0)

    def do_return(self, receipt: dict, lines: list[dict] | None) -> None:
        operation = ("return", receipt["id"], repr(lines))
        key = self.operation_key(operation)

        def done(result: dict) -> None:
            self.notify(_("Return printed: FD {fd}").format(fd=result.get("fd", "—")))
            self.refresh_data()
            self.app.refresh_status()

        self.run_on_register(
            lambda: self.api.return_receipt(receipt["id"], key, lines), done, held=(operation, key)
        )

    def action_resend(self) -> None:
        """Send a rejected or conflicting document again, once its cause is fixed in the back office."""
        receipt = self.current
        if not receipt or receipt.get("upload") not in RESENDABLE:
            self.notify(
                _("Only a document the back office did not accept is sent again."), severity="warning"
            )
            return

        def done(_answer: dict) -> None:
            self.notify(_("Queued to be sent again."))
            self.refresh_data()
            self.app.refresh_status()

        self.call(lambda: self.api.resend_document(receipt["id"]), done)

    def action_correction(self) -> None:
        """A correction receipt for a settlement the register missed or recorded wrongly."""
        if not self.require("correction"):
            return

        def chosen(body: dict | None) -> None:
            if not body:
                return
            operation = ("correction", repr(sorted(body.items())))
            key = self.operation_key(operation)

            def done(result: dict) -> None:
                self.notify(_("Correction receipt printed: FD {fd}").format(fd=result.get("fd") or "—"))
                self.refresh_data()
                self.app.refresh_status()

            self.run_on_register(lambda: self.api.correct(body, key), done, held=(operation, key))

        self.app.push_screen(CorrectionScreen(api=self.api), chosen)

    def action_copy(self) -> None:
        if not self.current:
            return
        receipt = self.current
        self.call(
            lambda: self.api.print_copy(receipt["id"]),
            lambda _answer: self.notify(_("The copy is printing.")),
        )


def parse_return(text: str, lines: list[dict]) -> list[dict] | None:
    """ "1=1 2=0.5" -> [{"position": 1, "quantity": "1.000"}, ...]; None if anything does not fit."""
    left = {
        position: Decimal(str(line.get("quantity", "1"))) - Decimal(str(line.get("returned") or "0"))
        for position, line in enumerate(lines, 1)
    }
    result = []
    for part in text.replace(";", " ").split():
        position, _sep, quantity_text = part.partition("=")
        if not is_digits(position) or int(position) not in left:
            return None
        quantity = parse_quantity(quantity_text) if quantity_text else left[int(position)]
        if quantity is None or quantity <= 0 or quantity > left[int(position)]:
            return None
        result.append({"position": int(position), "quantity": f"{quantity:.3f}"})
    return result or None
