"""Turn a sale request into priced lines and settled payments, with the catalog and the profile.

Tax rates, units and payment-object types come from the product (the back office's data) or,
for a free-price line, from the request or the ``default_tax`` setting; every code must be one
the register's profile maps, so a new VAT rate is a data change, never a code change.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import bindparam
from sqlmodel import Session, select

from agent.i18n import N_
from agent.journal.cart import CartLine, PricedLine, check_quantity, percent_of, price_lines, with_discount
from agent.journal.cashier import resolve_cashier
from agent.journal.codes import FiscalCodes
from agent.journal.crash import crash_point
from agent.journal.errors import InvalidReceipt
from agent.journal.marks import check_unique, check_units, line_marks, refusal, with_checks
from agent.journal.payments import Settled, Tender, settle
from agent.journal.permissive import REASONS, check_online
from agent.journal.protocol import FiscalJournal
from agent.journal.records import Operation
from agent.journal.register import (
    TAG_BUYER_CONTACT,
    cashier_tags,
    plan_receipt,
    print_receipt,
)
from agent.journal.requests import LineRequest, PaymentRequest, SaleRequest, request_hashes
from agent.journal.shift import open_shift_now
from agent.store.models import Barcode, FiscalDocument, Product
from common.errors import Message
from common.marking import product_gtins
from drivers.fiscal_register import Correction, MarkPlan, ReceiptKind


@dataclass(frozen=True)
class PricedSale:
    lines: list[PricedLine]
    payments: list[Settled]
    total: int


def sale_products(session: Session, lines: list[LineRequest]) -> list[Product | None]:
    """Each line's catalog product, by code or else by barcode (None for a free-price line or a
    code the catalog lacks): one query for the codes and one for the barcodes, not one a line."""
    codes = {line.code for line in lines if line.code is not None}
    barcodes = {line.barcode for line in lines if line.code is None and line.barcode is not None}
    by_code: dict[str, Product] = {}
    by_barcode: dict[str, Product] = {}
    if codes:
        found = session.execute(_BY_CODES, {"codes": list(codes)}).scalars()
        by_code = {product.code: product for product in found}
    if barcodes:
        found = session.exec(
            select(Barcode.code, Product)
            .join(Product, Product.id == Barcode.product_id)
            .where(Barcode.code.in_(barcodes))
        )
        by_barcode = dict(found.all())
    return [
        by_code.get(line.code) if line.code is not None else by_barcode.get(line.barcode or "")
        for line in lines
    ]


_BY_CODES = select(Product).where(Product.code.in_(bindparam("codes", expanding=True)))  # built once


UNKNOWN_CODE = {
    "tax": N_("{field}: the register does not know the tax code {value}; it knows {known}"),
    "unit": N_("{field}: the register does not know the unit code {value}; it knows {known}"),
    "payment_object": N_(
        "{field}: the register does not know the payment-object code {value}; it knows {known}"
    ),
}


def _check_code(field: str, value: str, known: tuple[str, ...], what: str) -> None:
    if known and value not in known:
        raise InvalidReceipt(field, UNKNOWN_CODE[what], value=value, known=", ".join(known))


def cart_line(
    session: Session,
    index: int,
    line: LineRequest,
    product: Product | None,
    codes: FiscalCodes,
    substitutes: tuple[str, ...] = (),
) -> CartLine:
    """``product``: the line's from ``sale_products``."""
    field = f"lines[{index}]"
    if line.code is not None or line.barcode is not None:
        if product is None:
            raise InvalidReceipt(
                f"{field}.code",
                N_("{field}: no product {product} in the catalog"),
                product=line.code or line.barcode,
            )
        quantity = check_quantity(f"{field}.quantity", line.quantity, whole=not product.weighted)
        gtins: set[str] = set()
        if product.marked:  # a code's GTIN must be one of the product's barcodes
            gtins = product_gtins(
                session.exec(select(Barcode.code).where(Barcode.product_id == product.id)).all()
            )
        marks = line_marks(
            field,
            product.name,
            product.marked,
            product.marking_group,
            gtins,
            quantity,
            product.weighted,
            line.marks or (),
            substitutes,
        )
        cart = CartLine(
            marks=marks,
            measured=product.weighted,
            marking_group=product.marking_group,
            name=product.name,
            quantity=quantity,
            price=product.price if line.price is None else line.price,
            tax=line.tax or product.tax,
            unit=line.unit or product.unit,
            payment_object=line.payment_object or product.payment_object,
            code=product.code,
            tax_system=product.tax_system,
        )
    else:
        line_marks(field, line.name or "", False, None, set(), line.quantity, False, line.marks or (), ())
        cart = CartLine(
            name=line.name or "",
            quantity=check_quantity(f"{field}.quantity", line.quantity),
            price=line.price or 0,
            tax=line.tax or codes.default_tax(session),
            unit=line.unit or "pcs",
            payment_object=line.payment_object or "commodity",
        )
    _check_code(f"{field}.tax", cart.tax, codes.taxes, "tax")
    _check_code(f"{field}.unit", cart.unit, codes.units, "unit")
    _check_code(f"{field}.payment_object", cart.payment_object, codes.payment_objects, "payment_object")
    return with_discount(cart, line.discount, line.discount_percent)


def tenders(payments: list[PaymentRequest]) -> list[Tender]:
    return [Tender(payment.kind, payment.amount) for payment in payments]


def price_sale(
    session: Session,
    request: SaleRequest,
    codes: FiscalCodes,
    substitutes: tuple[str, ...] = (),
    products: list[Product | None] | None = None,
) -> PricedSale:
    """``products``: the lines' ``sale_products`` if the caller has read them already."""
    if products is None:
        products = sale_products(session, request.lines)
    lines = [
        cart_line(session, index, line, product, codes, substitutes)
        for index, (line, product) in enumerate(zip(request.lines, products, strict=True))
    ]
    check_unique(
        [
            (f"lines[{i}].marks[{j}]", code)
            for i, line in enumerate(lines)
            for j, code in enumerate(line.marks)
        ]
    )
    discount = request.discount
    if request.discount_percent is not None:
        discount += percent_of(sum(line.gross - line.discount for line in lines), request.discount_percent)
    priced = price_lines(lines, discount)
    total = sum(line.amount for line in priced)
    if total <= 0:
        raise InvalidReceipt(
            "lines",
            N_(
                "the receipt total is zero: a fiscal register does not print a receipt with a zero total "
                "(its error 0x8E); add a line with a price, or settle a free order without a receipt"
            ),
        )
    payments = settle(total, tenders(request.payments), set(codes.payment_types))
    return PricedSale(priced, payments, total)


async def sell(
    journal: FiscalJournal, request: SaleRequest, priced: PricedSale | None = None
) -> tuple[FiscalDocument, bool]:
    """Fiscalize a sale (opening the shift if none is open); returns the row and whether it is a replay.

    ``priced``: the request as ``price_sale`` priced it just before (the access check's), not priced again."""
    if (request.buyer_name is None) != (request.buyer_inn is None):
        missing = "buyer_inn" if request.buyer_inn is None else "buyer_name"
        raise InvalidReceipt(
            missing, N_("a B2B buyer takes both a name (tag 1227) and an INN (tag 1228): give both")
        )
    codes = journal.codes()
    substitutes = journal.mark_substitutes()
    if priced is None:
        priced, cashier = await journal.read(
            lambda s: (price_sale(s, request, codes, substitutes), resolve_cashier(s, request.cashier))
        )
    elif request.cashier is not None and request.cashier.employee_id is not None:
        cashier = await journal.read(lambda s: resolve_cashier(s, request.cashier))
    else:  # none, or a name as given: nothing to read
        cashier = resolve_cashier(None, request.cashier)
    op = Operation(
        uuid=request.uuid,
        type="sale",
        **request_hashes("sale", request),
        total=priced.total,
        cashier=cashier,
        buyer_contact=request.buyer_contact,
        buyer_name=request.buyer_name,
        buyer_inn=request.buyer_inn,
        order_id=request.order_id,
        lines=priced.lines,
        payments=priced.payments,
    )
    return await journal.once(op, lambda: fiscalize_receipt(journal, op, ReceiptKind.SALE))


async def fiscalize_receipt(
    journal: FiscalJournal, op: Operation, kind: ReceiptKind, correction: Correction | None = None
) -> FiscalDocument:
    """A sale, a return or a correction receipt on the register, inside ``Journal.once``: the shift
    checked (and opened if closed), then the journal's pending → register → fiscalized steps."""
    tolerance = journal.codes().sum_tolerance
    planned, status, fn = await journal.probe_after(
        plan_receipt,
        op.lines,
        op.cashier,
        op.buyer_contact,
        op.buyer_name,
        tolerance,
        op.tax_system or journal.tax_system(),
    )
    op.lines, op.cashier, op.buyer_contact, op.buyer_name, op.tax_system = planned
    journal.check_shift_not_expired()
    if not status.shift_open:
        await open_shift_now(journal, op.cashier)
        status, fn = await journal.probe()
    if any(line.marks for line in op.lines):
        op.lines = await check_marks(journal, op.lines, kind)
    tags = receipt_tags(op.cashier, op.buyer_contact)
    buyer = (op.buyer_name, op.buyer_inn) if op.buyer_name and op.buyer_inn else None
    args = (kind, op.lines, op.payments, op.total, tags, buyer, op.tax_system, correction)
    return await journal.fiscalize(op, print_receipt, *args, probed=(status, fn), beside=True)


async def check_marks(journal: FiscalJournal, lines: list[PricedLine], kind: ReceiptKind) -> list[PricedLine]:
    """Every code checked by the FN before the journal writes the row (the results go with it); a
    refused code refuses the receipt, which then never reaches the journal or the register."""
    units, fields = [], []
    for index, line in enumerate(lines):
        plan = MarkPlan.of(kind, line.measured)
        for unit, code in enumerate(line.marks):
            units.append(
                (code.code, code.identity, plan, line.quantity if line.measured else Decimal(1), line.unit)
            )
            fields.append(f"lines[{index}].marks[{unit}]")
    permit = await ask_online(journal, lines, kind)
    checks = await journal.device(check_units, units)
    problem = refusal(list(zip(fields, checks, strict=True)), kind)
    if problem is not None:
        raise problem
    crash_point("after_marks", journal.state_dir)
    return with_checks(lines, checks, permit)


async def ask_online(journal: FiscalJournal, lines: list[PricedLine], kind: ReceiptKind):
    """The permissive mode's online check of a sale's codes of the groups under it (in a worker
    thread: the network never holds the port); a refused unit refuses the receipt in words. None
    when no code needs it or the system gave no answer in time (the sale goes on without it)."""
    settings = journal.marking()
    if kind != ReceiptKind.SALE or not settings.permissive_url:
        return None
    asked = [
        (f"lines[{index}].marks[{unit}]", code)
        for index, line in enumerate(lines)
        if line.marking_group in settings.permissive_groups
        for unit, code in enumerate(line.marks)
    ]
    if not asked:
        return None
    codes = [(code.code, code.identity) for _field, code in asked]
    answer, reasons = await check_online(settings, codes, journal.fn_serial, journal.now)
    for (field, _code), reason in zip(asked, reasons, strict=True):
        if reason is not None:
            raise InvalidReceipt(field, N_("{field}: {reason}"), reason=Message(REASONS[reason]))
    return answer


def receipt_tags(cashier, buyer_contact: str | None) -> list[tuple[int, str]]:
    """The receipt's plain tags; a B2B buyer (1227/1228) goes apart, by ``add_buyer``."""
    tags = cashier_tags(cashier)
    if buyer_contact:
        tags.append((TAG_BUYER_CONTACT, buyer_contact))
    return tags
