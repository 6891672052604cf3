"""The test page: Cyrillic, the ruble sign, quotes, a weighted line, change and a QR code."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from agent.i18n import N_
from agent.printing import paper
from drivers.escpos.layout import PaymentLine, PrintedReceipt, ReceiptItem, TaxLine
from drivers.profile import Profile

SAMPLE_HEADER = ["ООО «Ромашка»", "г. Москва, ул. Тверская, д. 1"]
SAMPLE_ITEMS = [
    ("Молоко «Простоквашино» 3,2% — 1 л", Decimal("2"), 8990, "", "НДС 10%"),
    ("Яблоки Гала", Decimal("1.234"), 12900, "кг", "НДС 10%"),
    ("Хлеб «Бородинский»", Decimal("1"), 4550, "", "НДС 10%"),
]
SAMPLE_PAID = 50000
SAMPLE_QR = "t=20261123T1200&s=384.49&fn=9999078900000000&i=1&fp=1234567890&n=1"
SAMPLE_CHARACTERS = "₽ «ёлка» — №1 ЁЖЗ эюя"


def sample_receipt(profile: Profile) -> PrintedReceipt:
    items = [
        ReceiptItem(
            name, quantity, price, int((quantity * price).quantize(Decimal(1), ROUND_HALF_UP)), unit, tax
        )
        for name, quantity, price, unit, tax in SAMPLE_ITEMS
    ]
    total = sum(item.amount for item in items)
    vat = total * 10 // 110
    return PrintedReceipt(
        header=SAMPLE_HEADER,
        title=paper(N_("PRINTER TEST")),
        items=items,
        total=total,
        taxes=[TaxLine("НДС 10%", vat)],
        payments=[PaymentLine(paper(N_("CASH")), SAMPLE_PAID, SAMPLE_PAID - total)],
        fiscal=[
            (paper(N_("Printer")), profile.model),
            (paper(N_("Profile")), profile.name),
            (
                paper(N_("Code page")),
                f"{profile.encoding.codec.upper()} (ESC t {profile.encoding.codepage_slot})",
            ),
        ],
        qr=SAMPLE_QR,
        footer=[SAMPLE_CHARACTERS, paper(N_("Thank you for your purchase!"))],
    )
