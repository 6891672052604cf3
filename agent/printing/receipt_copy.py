"""A copy of a fiscalized receipt for the ESC/POS printer, built from the journal.

The copy carries the fiscal attributes and the tax authority's QR code (t, s, fn, i, fp, n), so
a buyer can check it; it is marked as a copy because only the register's own print is the receipt.
"""

from __future__ import annotations

import contextlib
import re
from datetime import date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal

from sqlmodel import Session

from agent.i18n import N_
from agent.journal.payload import DocumentRows
from agent.printing import paper
from agent.store.models import FiscalDocument, Pairing
from common.money import format_money
from drivers.escpos.layout import PaymentLine, PrintedReceipt, ReceiptItem, TaxLine
from drivers.fiscal_register import mark_sign

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


TAX_SYSTEM_LABELS = {  # tag 1055 as receipts print it
    "osn": "ОСН",
    "usn_income": "УСН доход",
    "usn_income_expense": "УСН доход - расход",
    "envd": "ЕНВД",
    "esn": "ЕСХН",
    "patent": "ПСН",
}
TAX_SERVICE_SITE = "www.nalog.gov.ru"  # tag 1060
# tag 2108 (FFD 1.2: every position's measure of quantity) as printed; other units print their code
UNIT_LABELS = {"pcs": N_("pcs"), "kg": N_("kg"), "g": N_("g"), "l": N_("l"), "ml": N_("ml"), "m": N_("m")}


def tax_totals(lines: list[dict]) -> list[TaxLine]:
    """Tags 1102-1107 as the FN counts them: for each VAT rate the VAT of its positions (tag 1200)
    added up, not the rate applied again to the rate's total (which may differ by kopecks); for 0 %
    and no VAT (1104, 1105) the sum of the settlement, which is what those tags hold."""
    sums: dict[str, list[int]] = {}
    for line in lines:
        vat = line["vat"]
        if vat is None and VAT.match(line["tax"]):  # a row of the days before the FN's VAT was kept
            vat = tax_amount(line["tax"], line["amount"])
        total = sums.setdefault(line["tax"], [0, 0])
        total[0] += line["amount"]
        total[1] += vat or 0
    out = []
    for code, (amount, vat) in sums.items():
        match = VAT.match(code)
        if match and int(match.group(1)) == 0:
            out.append(TaxLine(paper(N_("Sum with VAT 0%")), amount))
        elif match:
            out.append(TaxLine(tax_label(code), vat))
        else:
            out.append(TaxLine(paper(N_("Sum without VAT")), amount))
    return out


def printed_items(line: dict, signs: dict[int, str]) -> list[ReceiptItem]:
    """A line as the FN holds it: its positions' names (a marked one after its check's sign, tag
    2106, by position: ``mark_sign``), quantities with their measure (2108), prices (tag 1079: the
    unit price after the discount) and sums; a line of the days before positions were kept, as it is."""
    label = tax_label(line["tax"])
    unit = line.get("unit") or ""
    unit = paper(UNIT_LABELS[unit]) if unit in UNIT_LABELS else unit
    positions = line.get("fn_positions") or [line]
    return [
        ReceiptItem(
            f"{signs[number]} {p['name']}" if number in signs else p["name"],
            Decimal(p["quantity"]),
            p["price"],
            p["amount"],
            unit=unit,
            tax=label,
        )
        for number, p in enumerate(positions, start=1)
    ]


def receipt_copy(session: Session, doc: FiscalDocument, zone: tzinfo | None = None) -> PrintedReceipt:
    """The printable copy of a fiscalized sale, return or correction, built from the document the
    back office gets (``agent.journal.payload``) and its codes' checks, so paper and back office
    cannot disagree; times in ``zone``, the register's clock's (``agent.api.printing.fiscal_zone``):
    the FN's tag 1012, as the QR code carries it."""
    rows = DocumentRows.read(session, [doc])
    document = rows.payload(doc)
    signs: dict[int, dict[int, str]] = {}  # line position -> FN position -> its code's check
    for mark in rows.marks.get(doc.id, []):
        signs.setdefault(mark.line_position, {})[mark.unit] = mark_sign(mark.result)
    positions = [line.position for line in rows.lines.get(doc.id, [])]
    pairing = session.get(Pairing, 1)
    when = doc.fiscalized_at.astimezone(zone)

    header = [pairing.organization_name, pairing.store_name] if pairing else []
    store = (pairing.store or {}) if pairing else {}
    who = [  # the seller's, the cashier's and the buyer's requisites; those not known are left off
        (N_("INN"), pairing.organization_inn if pairing else None),  # tag 1018
        (N_("Address"), store.get("address")),  # tag 1009
        (N_("Place"), pairing.store_name if pairing else None),  # tag 1187
        (N_("Tax system"), TAX_SYSTEM_LABELS.get(doc.tax_system, doc.tax_system)),  # tag 1055
        (N_("Cashier"), doc.cashier_name),  # tag 1021
        (N_("Cashier's INN"), doc.cashier_inn),  # tag 1203
        (N_("Buyer"), doc.buyer_name),  # tag 1227
        (N_("Buyer's INN"), doc.buyer_inn),  # tag 1228
        (N_("Buyer's phone or e-mail"), doc.buyer_contact),  # tag 1008
    ]
    document_requisites = [
        (N_("Date"), f"{when:%d.%m.%Y %H:%M}"),  # tag 1012
        (N_("Shift"), doc.shift),  # tag 1038
        (N_("Receipt No."), doc.number_in_shift),  # tag 1042
        (N_("Registration No."), doc.registration_number),  # tag 1037
        (N_("FN"), doc.fn_serial),  # tag 1041
        (N_("FD"), doc.fd),  # tag 1040
        (N_("FP"), doc.fiscal_sign),  # tag 1077
        (N_("Tax service site"), TAX_SERVICE_SITE),  # tag 1060
    ]
    fiscal = [(paper(label), str(value)) for label, value in document_requisites if value]
    if doc.type == "correction":
        title = paper(CORRECTION_TITLES[operation(doc)])
        fiscal = correction_basis(doc.correction or {}) + fiscal
    else:
        title = paper(TITLES[doc.type])
    return PrintedReceipt(
        header=header,
        title=title,
        items=[
            item
            for at, line in zip(positions, document["lines"], strict=True)
            for item in printed_items(line, signs.get(at, {}))
        ],
        total=doc.total,
        taxes=tax_totals(document["lines"]),
        payments=[
            PaymentLine(
                paper(PAYMENT_LABELS.get(payment["kind"], payment["kind"])),
                payment["amount"],
                payment["change"],
            )
            for payment in document["payments"]
        ],
        fiscal=[(paper(label), str(value)) for label, value in who if value] + fiscal,
        qr=qr_text(doc, when),
        footer=[paper(N_("COPY")), paper(N_("Thank you for your purchase!"))],
    )
