"""Returns ("возврат прихода"): full or partial, linked to the sale, never more than was sold.

What a line may still give back is its sold quantity minus what fiscalized (or still pending)
returns of the same sale took. Amounts are taken from the sale's line amounts, discounts
included, rounded cumulatively: the returns of a line add up to exactly what was paid for it.
A return's lines keep the sale's line positions, which is how they are matched.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from sqlmodel import Session, select

from agent.i18n import N_
from agent.journal.cart import PricedLine, check_quantity, round_kopecks
from agent.journal.cashier import resolve_cashier
from agent.journal.errors import InvalidReceipt, JournalError
from agent.journal.marks import return_marks
from agent.journal.payments import CASH, Settled, settle
from agent.journal.protocol import FiscalJournal
from agent.journal.records import FISCALIZED, Operation, returns_of
from agent.journal.requests import ReturnRequest, request_hashes
from agent.journal.sale import PricedSale, fiscalize_receipt, tenders
from agent.store.models import FiscalDocument, ReceiptLine, ReceiptPayment
from common.money import format_money
from drivers.fiscal_register import ReceiptKind


@dataclass(frozen=True)
class Returnable:
    line: ReceiptLine
    returned_quantity: Decimal
    returned_amount: int

    @property
    def quantity_left(self) -> Decimal:
        return self.line.quantity - self.returned_quantity

    def amount_for(self, quantity: Decimal) -> int:
        """Cumulative rounding: the last return of a line takes exactly what is left of its amount."""
        after = self.returned_quantity + quantity
        if after == self.line.quantity:
            return self.line.amount - self.returned_amount
        return round_kopecks(self.line.amount * after / self.line.quantity) - self.returned_amount


def returnable_lines(session: Session, sale: FiscalDocument) -> list[Returnable]:
    lines = session.exec(
        select(ReceiptLine).where(ReceiptLine.document_id == sale.id).order_by(ReceiptLine.position)
    ).all()
    returns = returns_of(session, sale.id)
    taken: dict[int, tuple[Decimal, int]] = {}
    for line in session.exec(select(ReceiptLine).where(ReceiptLine.document_id.in_(returns))):
        quantity, amount = taken.get(line.position, (Decimal(0), 0))
        taken[line.position] = (quantity + line.quantity, amount + line.amount)
    return [Returnable(line, *taken.get(line.position, (Decimal("0.000"), 0))) for line in lines]


def original_sale(session: Session, sale_id: int) -> FiscalDocument:
    sale = session.get(FiscalDocument, sale_id)
    if sale is None or sale.type != "sale":
        raise JournalError(404, "receipt_not_found", N_("no sale receipt {id} in the journal"), id=sale_id)
    if sale.status != FISCALIZED:
        raise JournalError(
            409,
            "receipt_not_fiscalized",
            N_("receipt {id} was not fiscalized: there is nothing to return"),
            id=sale_id,
        )
    return sale


def _refundable(session: Session, sale: FiscalDocument) -> list[tuple[str, int]]:
    """What each of the sale's payments may still get back, in the sale's order: what it paid
    (less change) less its share of what the sale's earlier returns (fiscalized or pending) gave
    back to its kind."""
    paid = session.exec(select(ReceiptPayment).where(ReceiptPayment.document_id == sale.id)).all()
    given: dict[str, int] = {}
    earlier = returns_of(session, sale.id)
    if earlier:
        for payment in session.exec(select(ReceiptPayment).where(ReceiptPayment.document_id.in_(earlier))):
            given[payment.kind] = given.get(payment.kind, 0) + payment.amount - payment.change
    left = []
    for payment in paid:
        own = payment.amount - payment.change
        back = min(own, given.get(payment.kind, 0))
        given[payment.kind] = given.get(payment.kind, 0) - back
        left.append((payment.kind, own - back))
    return left


def _refund_payments(session: Session, sale: FiscalDocument, total: int) -> list[Settled]:
    """As the sale was paid: non-cash kinds first, each up to what it may still get back
    (``_refundable``), the rest in cash; a card is never refunded more than was taken from it."""
    refunds: list[Settled] = []
    left = total
    for kind, refundable in sorted(_refundable(session, sale), key=lambda entry: entry[0] == CASH):
        part = min(left, refundable)
        if part > 0:
            refunds.append(Settled(kind, part))
            left -= part
    if left > 0:
        refunds.append(Settled(CASH, left))
    return refunds


def _check_refunds(session: Session, sale: FiscalDocument, refunds: list[Settled]) -> None:
    """Refunds the cashier chose: a non-cash kind gets back at most what it may still get
    (``_refundable``), none when the sale was not paid that way; cash is the drawer's to give."""
    asked: dict[str, int] = {}
    for refund in refunds:
        asked[refund.kind] = asked.get(refund.kind, 0) + refund.amount
    refundable: dict[str, int] = {}
    for kind, amount in _refundable(session, sale):
        refundable[kind] = refundable.get(kind, 0) + amount
    for kind, amount in asked.items():
        if kind != CASH and amount > refundable.get(kind, 0):
            raise InvalidReceipt(
                "payments",
                N_("{field}: {amount} cannot go back as {kind}: the sale has {left} of it left to refund"),
                kind=kind,
                amount=format_money(amount, group=" "),
                left=format_money(refundable.get(kind, 0), group=" "),
            )


def price_return(
    session: Session,
    sale: FiscalDocument,
    request: ReturnRequest,
    kinds: set[str],
    substitutes: tuple[str, ...] = (),
) -> PricedSale:
    available = {item.line.position: item for item in returnable_lines(session, sale)}
    asked_marks: dict[int, list[str] | None] = {}
    if request.lines is None:
        wanted = [(f"lines[{i}]", item, item.quantity_left) for i, item in enumerate(available.values())]
        wanted = [entry for entry in wanted if entry[2] > 0]
        if not wanted:
            raise JournalError(
                409,
                "already_returned",
                N_("everything on receipt {id} has already been returned"),
                id=sale.id,
            )
    else:
        wanted = []
        seen: set[int] = set()
        for index, asked in enumerate(request.lines):
            field = f"lines[{index}]"
            item = available.get(asked.position)
            if item is None or asked.position in seen:
                raise InvalidReceipt(
                    f"{field}.position",
                    N_("{field}: receipt {id} has no line {position} (or it is named twice)"),
                    id=sale.id,
                    position=asked.position,
                )
            seen.add(asked.position)
            quantity = item.quantity_left if asked.quantity is None else asked.quantity
            if asked.quantity is not None:
                check_quantity(f"{field}.quantity", quantity)
            if quantity > item.quantity_left or quantity <= 0:
                raise JournalError(
                    409,
                    "return_limit",
                    N_("{field}: only {left} of \u201c{name}\u201d can still be returned"),
                    field=f"{field}.quantity",
                    left=str(item.quantity_left),
                    name=item.line.name,
                )
            wanted.append((field, item, quantity))
            asked_marks[asked.position] = asked.marks
    lines = []
    for field, item, quantity in wanted:
        marks, measured = return_marks(
            session,
            sale.id,
            item.line.position,
            field,
            item.line.name,
            quantity,
            quantity == item.quantity_left,
            asked_marks.get(item.line.position),
            substitutes,
        )
        amount = item.amount_for(quantity)
        gross = round_kopecks(quantity * item.line.price)
        lines.append(
            PricedLine(
                name=item.line.name,
                quantity=quantity,
                price=item.line.price,
                tax=item.line.tax,
                unit=item.line.unit,
                payment_object=item.line.payment_object,
                code=item.line.product_code,
                discount=max(0, gross - amount),
                amount=amount,
                position=item.line.position,
                marks=marks,
                measured=measured,
            )
        )
    total = sum(line.amount for line in lines)
    if request.payments is None:
        payments = _refund_payments(session, sale, total)
    else:
        payments = settle(total, tenders(request.payments), kinds)
        if any(payment.change for payment in payments):
            raise InvalidReceipt(
                "payments", N_("{field}: a refund must add up to exactly the return's total")
            )
        _check_refunds(session, sale, payments)
    return PricedSale(lines, payments, total)


async def refund(journal: FiscalJournal, sale_id: int, request: ReturnRequest) -> tuple[FiscalDocument, bool]:
    """Fiscalize a return of (part of) sale ``sale_id``; returns the row and whether it is a replay."""
    kinds = set(journal.codes().payment_types)
    substitutes = journal.mark_substitutes()
    cashier = await journal.read(lambda s: resolve_cashier(s, request.cashier))
    op = Operation(
        uuid=request.uuid,
        type="return",
        **request_hashes("return", request, original_id=sale_id),
        cashier=cashier,
        original_id=sale_id,
    )

    def price(session: Session):
        sale = original_sale(session, sale_id)
        return sale, price_return(session, sale, request, kinds, substitutes)

    async def perform() -> FiscalDocument:
        # priced only now: a pending return of the same sale, once settled, changes what is left
        sale, priced = await journal.read(price)
        priced_op = replace(
            op,
            total=priced.total,
            buyer_contact=request.buyer_contact or sale.buyer_contact,
            buyer_name=sale.buyer_name,  # returned to whom it was sold
            buyer_inn=sale.buyer_inn,
            tax_system=sale.tax_system,
            lines=priced.lines,
            payments=priced.payments,
        )
        return await fiscalize_receipt(journal, priced_op, ReceiptKind.RETURN)

    return await journal.once(op, perform)
