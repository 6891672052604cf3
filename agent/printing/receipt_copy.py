"""A copy of a fiscalized receipt for the ESC/POS printer, built from the journal.

The copy carries the fiscal attributes and the tax authority's QR code (t, s, fn, i, fp, n), so
a buyer can check it; it is marked as a copy because only the register's own print is the receipt.
"""

from __future__ import annotations

import contextlib
import re
from datetime import date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal

from sqlmodel import Session, select

from agent.i18n import N_
from agent.printing import paper
from agent.store.models import FiscalDocument, Pairing, ReceiptLine, ReceiptPayment
from common.money import format_money
from drivers.escpos.layout import PaymentLine, PrintedReceipt, ReceiptItem, TaxLine

TITLES = {"sale": N_("CASH RECEIPT · SALE"), "return": N_("CASH RECEIPT · SALE RETURN")}
# a correction receipt's title by the sign of the settlement it corrects (tag 1054)
CORRECTION_TITLES = {
    "sale": N_("CORRECTION RECEIPT · SALE"),
    "return": N_("CORRECTION RECEIPT · SALE RETURN"),
    "expense": N_("CORRECTION RECEIPT · EXPENSE"),
    "expense_return": N_("CORRECTION RECEIPT · EXPENSE RETURN"),
}
QR_OPERATION = {"sale": 1, "return": 2, "expense": 3, "expense_return": 4}  # tag 1054
PAYMENT_LABELS = {"cash": N_("CASH"), "card": N_("CARD")}
VAT = re.compile(r"^vat([0-9]+)(?:_([0-9]+))?$")


def tax_label(code: str) -> str:
    """vat20 → "НДС 20%", vat20_120 → "НДС 20/120", none → "Без НДС"; the codes are data."""
    match = VAT.match(code)
    if match and match.group(2):
        return paper(N_("VAT {rate}/{base}"), rate=match.group(1), base=match.group(2))
    if match:
        return paper(N_("VAT {rate}%"), rate=match.group(1))
    return paper(N_("No VAT")) if code == "none" else code


def tax_amount(code: str, amount: int) -> int:
    """The VAT included in ``amount`` kopecks: amount × rate / (100 + rate), rounded half up."""
    match = VAT.match(code)
    if not match:
        return 0
    rate = int(match.group(1))
    return int((Decimal(amount) * rate / (100 + rate)).quantize(Decimal(1), ROUND_HALF_UP))


def check_link(doc: FiscalDocument, zone: tzinfo | None = None) -> str:
    """The receipt's check data (its QR code's text): what a buyer's app or the tax service's
    site reads to check the receipt; the time is the register's (tag 1012), as on paper."""
    return qr_text(doc, doc.fiscalized_at.astimezone(zone))


def qr_text(doc: FiscalDocument, when: datetime) -> str:
    return (
        f"t={when:%Y%m%dT%H%M}&s={format_money(doc.total)}&fn={doc.fn_serial}"
        f"&i={doc.fd}&fp={doc.fiscal_sign}&n={QR_OPERATION[operation(doc)]}"
    )


def operation(doc: FiscalDocument) -> str:
    """Tag 1054 of the document: a sale or return is its own; a correction's is the corrected one's."""
    if doc.type == "correction":
        return (doc.correction or {}).get("sign") or "sale"
    return doc.type


def correction_basis(correction: dict) -> list[tuple[str, str]]:
    """Tags 1173 (own initiative or by order) and 1174 (1178 the day corrected, 1179 the order's
    number), and the reason, as lines of the copy."""
    kind = N_("by order") if correction.get("type") == "order" else N_("own initiative")
    lines = [(paper(N_("Correction type")), paper(kind))]
    day = correction.get("date")
    if day:
        with contextlib.suppress(ValueError):
            day = date.fromisoformat(day).strftime("%d.%m.%Y")
        lines.append((paper(N_("Date corrected")), day))
    if correction.get("number"):
        lines.append((paper(N_("Order No.")), str(correction["number"])))
    if correction.get("reason"):
        lines.append((paper(N_("Reason")), str(correction["reason"])))
    return lines


def receipt_copy(session: Session, doc: FiscalDocument, zone: tzinfo | None = None) -> PrintedReceipt:
    """The printable copy of a fiscalized sale, return or correction; times in ``zone``, the register's
    clock's (``agent.api.printing.fiscal_zone``): the FN's tag 1012, as the QR code carries it."""
    lines = session.exec(
        select(ReceiptLine).where(ReceiptLine.document_id == doc.id).order_by(ReceiptLine.position)
    ).all()
    payments = session.exec(select(ReceiptPayment).where(ReceiptPayment.document_id == doc.id)).all()
    pairing = session.get(Pairing, 1)
    when = doc.fiscalized_at.astimezone(zone)

    taxes: dict[str, int] = {}
    for line in lines:
        taxes[line.tax] = taxes.get(line.tax, 0) + line.amount
    header = [pairing.organization_name, pairing.store_name] if pairing else []
    fiscal = [
        (paper(N_("Date")), f"{when:%d.%m.%Y %H:%M}"),
        (paper(N_("Shift")), str(doc.shift)),
        (paper(N_("FN")), doc.fn_serial or ""),
        (paper(N_("FD")), str(doc.fd)),
        (paper(N_("FP")), doc.fiscal_sign or ""),
    ]
    if doc.cashier_name:
        fiscal.insert(0, (paper(N_("Cashier")), doc.cashier_name))
    if doc.type == "correction":
        title = paper(CORRECTION_TITLES[operation(doc)])
        fiscal = correction_basis(doc.correction or {}) + fiscal
    else:
        title = paper(TITLES[doc.type])
    return PrintedReceipt(
        header=header,
        title=title,
        items=[
            ReceiptItem(line.name, line.quantity, line.price, line.amount, tax=tax_label(line.tax))
            for line in lines
        ],
        total=doc.total,
        taxes=[TaxLine(tax_label(code), tax_amount(code, amount)) for code, amount in taxes.items()],
        payments=[
            PaymentLine(paper(PAYMENT_LABELS.get(payment.kind, payment.kind)), payment.amount, payment.change)
            for payment in payments
        ],
        fiscal=fiscal,
        qr=qr_text(doc, when),
        footer=[paper(N_("COPY")), paper(N_("Thank you for your purchase!"))],
    )
