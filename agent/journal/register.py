"""What the journal asks of the register, each step run in the port's own thread.

A receipt goes out as one call (cancel a stray open receipt, open, lines, tags, close), so
the lines of one receipt are never interleaved with another command; its pending row is committed
meanwhile and the close waits for it (``agent.journal.pending``). The crash hooks between the
first line and the close let tests kill the daemon with a receipt open.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from agent.i18n import N_
from agent.journal.cart import PricedLine
from agent.journal.crash import crash_point
from agent.journal.errors import InvalidReceipt, JournalError, StoreFailed
from agent.journal.payments import Settled, register_amounts
from agent.journal.pending import PendingRow
from drivers.fiscal_register import (
    Cashier,
    Correction,
    FiscalRegister,
    FiscalResult,
    NoExactPositions,
    Payments,
    ReceiptItem,
    ReceiptKind,
    positions_of,
)

TAG_BUYER_CONTACT = 1008
TAG_CASHIER = 1021
TAG_CASHIER_INN = 1203
TAG_BUYER = 1227
TAG_ORDER_NUMBER = 1179


def receipt_item(line: PricedLine) -> ReceiptItem:
    return ReceiptItem(
        name=line.name,
        quantity=line.quantity,
        price=line.price,
        amount=line.amount,
        tax=line.tax,
        payment_object=line.payment_object,
        unit=line.unit,
    )


def unit_positions(line: PricedLine, tolerance: int, field: str = "lines") -> list[ReceiptItem]:
    """A marked line as the FN takes it: one position per code. A piece good's units share the
    line's amount to the kopeck (the first ones a kopeck more when it does not divide); a measured
    good is one position with its one code, so its discounted unit price must fit its sum within
    ``tolerance`` (two positions would carry the same code, which the FN refuses to bind)."""
    item = receipt_item(line)
    if line.measured:
        positions = positions_of(item, tolerance)
        if len(positions) > 1:
            raise InvalidReceipt(
                field,
                N_(
                    "{field}: a weighed marked good goes as one position, and no unit price of "
                    "\u201c{name}\u201d gives its sum {amount} kopecks for {quantity}; change the "
                    "line's discount by a kopeck or two"
                ),
                name=line.name,
                amount=line.amount,
                quantity=line.quantity,
            )
        return [replace(positions[0], mark=line.marks[0].code)]
    share, extra = divmod(line.amount, len(line.marks))
    one = Decimal("1.000")
    return [
        replace(
            item, quantity=one, price=share + (unit < extra), amount=share + (unit < extra), mark=code.code
        )
        for unit, code in enumerate(line.marks)
    ]


def with_positions(lines: list[PricedLine], tolerance: int) -> list[PricedLine]:
    """Each line with the FN positions it is sent as, decided once so the journal records what
    the register gets. A classic line (``tolerance`` 0) no positions give exactly is refused
    here, before the receipt is opened."""
    return [
        replace(
            line,
            fn_positions=tuple(
                unit_positions(line, tolerance, f"lines[{index}]")
                if line.marks
                else line_positions(line, tolerance, f"lines[{index}]")
            ),
        )
        for index, line in enumerate(lines)
    ]


def line_positions(line: PricedLine, tolerance: int, field: str) -> list[ReceiptItem]:
    try:
        return positions_of(receipt_item(line), tolerance)
    except NoExactPositions:
        raise InvalidReceipt(
            field,
            N_(
                "{field}: the register computes each position's sum itself (quantity \u00d7 price, "
                "rounded), and no unit price of \u201c{name}\u201d nor split into two positions "
                "gives its sum {amount} kopecks for {quantity}; change the line's discount or "
                "quantity"
            ),
            name=line.name,
            amount=line.amount,
            quantity=line.quantity,
        ) from None


def fit_cashier(device: FiscalRegister, cashier: Cashier | None) -> Cashier | None:
    """The cashier as the FN will store tag 1021 (run in the port's thread; no I/O). A name with
    nothing the register's code page holds (Chinese, emoji) is refused here: sent empty, the register
    refuses the tag (0x18) and every shift, sale and cash move of that employee fails in its words."""
    if cashier is None:
        return None
    fitted = device.fit_text(TAG_CASHIER, cashier.name)
    if not fitted:
        raise JournalError(
            422,
            "cashier_name_unprintable",
            N_(
                "the cashier's name \u201c{name}\u201d has no letter the fiscal register can print "
                "(tag 1021): the employee needs a name in Cyrillic or Latin letters"
            ),
            name=cashier.name,
        )
    return replace(cashier, name=fitted)


def plan_receipt(
    device: FiscalRegister,
    lines: list[PricedLine],
    cashier: Cashier | None,
    buyer_contact: str | None,
    buyer_name: str | None,
    tolerance: int,
    tax_system: str | None,
) -> tuple[list[PricedLine], Cashier | None, str | None, str | None, str]:
    """Everything as the FN will store it, decided before the journal writes the row: names and
    tags made safe for the register's code pages and fields, each line's FN positions, and the
    receipt's one taxation system (``tax_system``: the shop's or the sale's)."""
    system = receipt_tax_system(device.tax_systems(), tax_system, lines)
    lines = [replace(line, name=device.fit_text("item_name", line.name)) for line in lines]
    for index, line in enumerate(lines):
        if not line.name:  # tag 1030 is mandatory: an FN position has a name
            raise InvalidReceipt(
                f"lines[{index}].name", N_("{field}: the name has nothing the register can print")
            )
    contact = device.fit_text(TAG_BUYER_CONTACT, buyer_contact) if buyer_contact else None
    buyer = fit_buyer(device, buyer_name)
    return with_positions(lines, tolerance), fit_cashier(device, cashier), contact, buyer, system


def fit_order_number(device: FiscalRegister, number: str | None) -> str | None:
    """Tag 1179, the tax service's order's number, as the FN will store it (run in the port's
    thread; no I/O), so the journal, the copy and the back office say what the FN holds; a number
    with nothing printable is refused, not left off a correction by order."""
    if number is None:
        return None
    fitted = device.fit_text(TAG_ORDER_NUMBER, number)
    if not fitted:
        raise InvalidReceipt("document_number", N_("{field}: the number has nothing the register can print"))
    return fitted


def fit_buyer(device: FiscalRegister, name: str | None) -> str | None:
    """Tag 1227 as the FN will store it; a name with nothing printable is refused, not sent empty."""
    if name is None:
        return None
    fitted = device.fit_text(TAG_BUYER, name)
    if not fitted.strip():
        raise InvalidReceipt("buyer_name", N_("the buyer's name has nothing the register can print"))
    return fitted


def receipt_tax_system(registered: tuple[str, ...], default: str | None, lines: list[PricedLine]) -> str:
    """One receipt, one taxation system (tag 1055): each line's (its product's, else ``default``,
    else the FN's only one), all the same and one the FN is registered for. A cart that mixes
    systems is refused, not split: two receipts are the cashier's to make, each paid on its own."""
    if default is None and len(registered) == 1:
        default = registered[0]
    systems = sorted({line.tax_system or default or "" for line in lines} or {default or ""})
    if len(systems) > 1:
        raise InvalidReceipt(
            "lines",
            N_("{field}: goods of different taxation systems ({systems}) go on separate receipts"),
            systems=", ".join(name or "-" for name in systems),
        )
    system = systems[0]
    if system not in registered:
        raise InvalidReceipt(
            "lines",
            N_(
                "{field}: the FN is not registered for the taxation system {system} (it is for "
                "{registered}); set [printer] tax_system in the config or the product's"
            ),
            system=system or "-",
            registered=", ".join(registered),
        )
    return system


def cashier_tags(cashier: Cashier | None) -> list[tuple[int, str]]:
    if cashier is None:
        return []
    tags = [(TAG_CASHIER, cashier.name)]
    if cashier.inn:
        tags.append((TAG_CASHIER_INN, cashier.inn))
    return tags


def print_receipt(
    device: FiscalRegister,
    kind: ReceiptKind,
    lines: list[PricedLine],
    payments: list[Settled],
    total: int,
    tags: list[tuple[int, str]],
    buyer: tuple[str, str] | None,
    tax_system: str | None,
    correction: Correction | None,
    stray_open: bool,
    row: PendingRow,
) -> FiscalResult:
    """Run with ``Journal.fiscalize(beside=True)``: once the receipt is open (``row.begin``), its
    lines go out while the pending row is committed; the close waits until it is durable.
    ``buyer``: a B2B buyer's name and INN, after the other tags in the form the register's FFD
    takes (``FiscalRegister.add_buyer``)."""
    if stray_open:
        device.cancel_receipt()
    if correction is None:
        device.open_receipt(kind)
    else:
        device.open_receipt(kind, correction=True)
    row.begin()
    for index, line in enumerate(lines):
        for position in line.fn_positions or (receipt_item(line),):
            device.add_item(position)
        if index == 0:
            row.opened.set()
            crash_point("mid_receipt", row.state_dir, first=row.durable)
    for tag, value in tags:
        device.add_tag(tag, value)
    if buyer is not None:
        device.add_buyer(*buyer)
    if correction is not None:
        device.add_correction(correction)
    try:
        row.durable()
    except StoreFailed:
        device.cancel_receipt()
        raise
    crash_point("after_commit", row.state_dir)
    return device.close_receipt(Payments(register_amounts(payments)), total=total, tax_system=tax_system)


def probe(device: FiscalRegister):
    """The register's state and its FN's, read together before an operation."""
    return device.status_with_fn()
