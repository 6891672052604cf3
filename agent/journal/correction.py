"""Correction receipts ("чек коррекции", FFD 1.2): a settlement the register missed or got wrong,
made now and marked as such (tags 1173 and 1174 with 1178 and 1179).

Priced and paid like a sale (the same lines, discounts, bounds and payments) and made through
``Journal.once`` like one: written ``pending`` before the register hears of it, replayed by uuid,
settled from the FN after a crash, uploaded to the back office once.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from agent.i18n import N_
from agent.journal.cashier import resolve_cashier
from agent.journal.errors import InvalidReceipt, JournalError
from agent.journal.protocol import FiscalJournal
from agent.journal.records import Operation
from agent.journal.requests import CorrectionRequest, request_hash
from agent.journal.sale import fiscalize_receipt, price_sale
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
    priced, cashier = await journal.read(
        lambda s: (price_sale(s, request, codes), resolve_cashier(s, request.cashier))
    )
    if kind != ReceiptKind.SALE and any(payment.change for payment in priced.payments):
        raise InvalidReceipt("payments", N_("{field}: a refund must add up to exactly the return's total"))
    op = Operation(
        uuid=request.uuid,
        type="correction",
        request_hash=request_hash("correction", request),
        total=priced.total,
        cashier=cashier,
        lines=priced.lines,
        payments=priced.payments,
        correction={
            "type": request.type,
            "sign": request.sign,
            "date": correction.date.isoformat(),
            "number": request.document_number,
            "reason": request.reason,
        },
    )
    return await journal.once(op, lambda: fiscalize_receipt(journal, op, kind, correction))
