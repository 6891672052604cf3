"""The printable receipt and its layout in the columns of one printer font.

The layout is plain text lines no wider than the profile's column count for the font (58 mm
printers: 32 columns, 80 mm: 48), so what the virtual printer decodes is exactly what was laid
out. Money is integer kopecks formatted without floats; quantities are Decimals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from common.money import format_money
from drivers.errors import N_
from drivers.escpos.text import Transliterator
from drivers.profile import Profile

_QUANTITY = Decimal("0.001")


@dataclass
class ReceiptItem:
    name: str
    quantity: Decimal
    price: int
    amount: int
    unit: str = ""
    tax: str = ""


@dataclass
class TaxLine:
    label: str
    amount: int


@dataclass
class PaymentLine:
    label: str
    amount: int
    change: int = 0


@dataclass
class PrintedReceipt:
    """A receipt as it goes on paper; labels of taxes, payments and fiscal attributes come localized."""

    items: list[ReceiptItem]
    total: int
    header: list[str] = field(default_factory=list)
    title: str = ""
    taxes: list[TaxLine] = field(default_factory=list)
    payments: list[PaymentLine] = field(default_factory=list)
    fiscal: list[tuple[str, str]] = field(default_factory=list)
    footer: list[str] = field(default_factory=list)
    qr: str | None = None


@dataclass(frozen=True)
class QrCode:
    """Where the QR code goes between the text lines."""

    data: str


def format_quantity(quantity: Decimal) -> str:
    """Pieces without decimals ("2"), weights with three places ("1.234")."""
    if isinstance(quantity, float):
        raise TypeError("quantities are Decimals, never floats")
    value = Decimal(quantity).quantize(_QUANTITY, ROUND_HALF_UP)
    if value == value.to_integral_value():
        return str(int(value))
    return f"{value:f}"


def _identity(message: str) -> str:
    return message


class ReceiptLayout:
    """Lays text out in the columns of one font of one profile."""

    def __init__(self, profile: Profile, font: str = "a", translate: Callable[[str], str] = _identity):
        self.width = profile.media.columns[font]
        self.text = Transliterator(profile.encoding)
        self.translate = translate

    @property
    def substituted(self) -> set[str]:
        return self.text.substituted

    def wrap(self, text: str, width: int | None = None) -> list[str]:
        """Words to lines of at most ``width`` (the paper's) characters; longer words are broken."""
        width = width or self.width
        lines: list[str] = []
        # only newlines break lines: str.splitlines() would also break at GS, FS and RS
        for paragraph in text.replace("\r\n", "\n").split("\n"):
            current = ""
            for word in self.text.printable(paragraph).split(" "):
                if not word:
                    continue
                while len(word) > width:
                    if current:
                        lines.append(current)
                        current = ""
                    lines.append(word[:width])
                    word = word[width:]
                if not current:
                    current = word
                elif len(current) + 1 + len(word) <= width:
                    current = f"{current} {word}"
                else:
                    lines.append(current)
                    current = word
            lines.append(current)
        return lines

    def center(self, text: str) -> list[str]:
        return [(" " * ((self.width - len(line)) // 2) + line).rstrip() for line in self.wrap(text)]

    def pair(self, left: str, right: str, indent: int = 0) -> list[str]:
        """``left`` at the left edge, ``right`` flush right; on its own line when both do not fit, and
        wrapped (each line flush right) when it is wider than the paper (a long name from outside)."""
        right = self.text.printable(right)
        lines = [" " * indent + line for line in self.wrap(left, self.width - indent)] if left else [""]
        last = lines[-1]
        if len(last) + 1 + len(right) <= self.width:
            lines[-1] = last + " " * (self.width - len(last) - len(right)) + right
        else:
            lines.extend(line.rjust(self.width) for line in self.wrap(right))
        return lines

    def rule(self) -> str:
        return "-" * self.width

    def lines(self, texts: list[str]) -> list[str]:
        out: list[str] = []
        for text in texts:
            out.extend(self.wrap(text))
        return out

    def render(self, receipt: PrintedReceipt) -> list[str | QrCode]:
        out: list[str | QrCode] = []
        for line in receipt.header:
            out.extend(self.center(line))
        if receipt.title:
            out.extend(self.center(receipt.title))
        out.append(self.rule())
        for item in receipt.items:
            out.extend(self.wrap(item.name))
            unit = f" {item.unit}" if item.unit else ""
            quantity = f"{format_quantity(item.quantity)}{unit} x {format_money(item.price)}"
            out.extend(self.pair(quantity, "=" + format_money(item.amount), indent=2))
            if item.tax:
                out.extend("  " + line for line in self.wrap(item.tax, self.width - 2))
        out.append(self.rule())
        out.extend(self.pair(self.translate(N_("TOTAL")), "=" + format_money(receipt.total)))
        for tax in receipt.taxes:
            out.extend(self.pair(tax.label, "=" + format_money(tax.amount), indent=2))
        for payment in receipt.payments:
            out.extend(self.pair(payment.label, "=" + format_money(payment.amount)))
            if payment.change:
                out.extend(self.pair(self.translate(N_("CHANGE")), "=" + format_money(payment.change)))
        if receipt.fiscal:
            out.append(self.rule())
            for label, value in receipt.fiscal:
                out.extend(self.pair(label, value))
        if receipt.qr:
            out.append(QrCode(receipt.qr))
        for line in receipt.footer:
            out.extend(self.center(line))
        return out


def receipt_text(lines: list[str | QrCode], qr_line: Callable[[QrCode], str]) -> str:
    """The rendered receipt as one text, the QR code shown by ``qr_line`` (for comparisons and logs)."""
    return "\n".join(qr_line(line) if isinstance(line, QrCode) else line for line in lines) + "\n"
