"""Correction receipts ("чек коррекции", FFD 1.2): a settlement the register missed or got wrong,
made now and marked as such (tags 1173 and 1174 with 1178 and 1179).

Priced and paid like a sale (the same lines, discounts, bounds and payments) and made through
``Journal.once`` like one: written ``pending`` before the register hears of it, replayed by uuid,
settled from the FN after a crash, uploaded to the back office once.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from zoneinfo import ZoneInfo

from sqlmodel import Session

from agent.i18n import N_
from agent.journal.cashier import resolve_cashier
from agent.journal.errors import InvalidReceipt, JournalError
from agent.journal.protocol import FiscalJournal
from agent.journal.records import Operation
from agent.journal.register import fit_order_number
from agent.journal.requests import CorrectionRequest, request_hashes
from agent.journal.sale import fiscalize_receipt, price_sale, sale_products
from agent.store.models import FiscalDocument
from drivers.fiscal_register import Correction, ReceiptKind


def register_today(journal: FiscalJournal) -> date:
    """Today on the register's clock (its FN refuses a corrected day after it)."""
    return journal.now().astimezone(ZoneInfo(journal.timezone())).date()


def correction_of(request: CorrectionRequest, today: date) -> Correction:
    day = request.document_date or today
    if day > today:
        raise InvalidReceipt(
            "document_date",
            N_("{field}: the corrected settlement cannot be later than today ({today})"),
            today=today.isoformat(),
        )
    return Correction(by_order=request.type == "order", date=day, number=request.document_number)


def check_marked(session: Session, request: CorrectionRequest, kind: ReceiptKind) -> None:
    """Marked goods are corrected as a sale or a return of a sale, each unit with its code, checked
    and bound by the FN like a sale's (FFD 1.2 gives a correction receipt's positions the same
    marking requisites, 1163 and 2106, and the marking system takes a correction's codes out of
    circulation when no receipt did). The FN's planned statuses of a unit (tag 2003) are a sale's
    and a return's, so an expense of marked goods is refused before any code is asked for."""
    if kind in (ReceiptKind.SALE, ReceiptKind.RETURN):
        return
    for index, product in enumerate(sale_products(session, request.lines)):
        if product is not None and product.marked:
            raise InvalidReceipt(
                f"lines[{index}]",
                N_(
                    "{field}: \u201c{name}\u201d is marked goods, which a correction receipt carries only "
                    "as a sale or a return of a sale (the FN's planned statuses of a marked unit): an "
                    "expense of marked goods cannot be corrected on this register"
                ),
                name=product.name,
            )


async def correct(journal: FiscalJournal, request: CorrectionRequest) -> tuple[FiscalDocument, bool]:
    """Fiscalize a correction receipt; returns the row and whether it is a replay."""
    codes = journal.codes()
    profile = journal.profile()
    if not profile.fiscal.operation_v2:
        raise JournalError(
            409,
            "correction_not_supported",
            N_(
                "the register's firmware profile {profile} has no FN receipt commands (FF46/FF45), "
                "which a correction receipt needs: update the firmware or make it on another register"
            ),
            profile=profile.name,
        )
    kind = ReceiptKind(request.sign)
    correction = correction_of(request, register_today(journal))
    # tag 1179 as the FN will store it: the journal records that, not the text as sent
    correction = replace(correction, number=await journal.device(fit_order_number, correction.number))
    substitutes = journal.mark_substitutes()

    def price(session: Session):
        check_marked(session, request, kind)
        return price_sale(session, request, codes, substitutes), resolve_cashier(session, request.cashier)

    priced, cashier = await journal.read(price)
    if kind != ReceiptKind.SALE and any(payment.change for payment in priced.payments):
        raise InvalidReceipt("payments", N_("{field}: a refund must add up to exactly the return's total"))
    op = Operation(
        uuid=request.uuid,
        type="correction",
        **request_hashes("correction", request),
        total=priced.total,
        cashier=cashier,
        lines=priced.lines,
        payments=priced.payments,
        correction={
            "type": request.type,
            "sign": request.sign,
            "date": correction.date.isoformat(),
            "number": correction.number,
            "reason": request.reason,
        },
    )
    return await journal.once(op, lambda: fiscalize_receipt(journal, op, kind, correction))
