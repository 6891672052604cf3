"""Shifts and cash moves: open (with the cashier), X report, close with the Z report, cash in/out.

Each of them but the X report is a fiscal document and goes through the journal like a sale.
A sale with no shift open opens one first (``open_shift_now``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from agent.i18n import N_
from agent.journal.cashier import resolve_cashier
from agent.journal.errors import JournalError
from agent.journal.protocol import FiscalJournal
from agent.journal.records import FISCALIZED, Operation, new_uuid
from agent.journal.register import fit_cashier
from agent.journal.requests import CashRequest, ShiftRequest, request_hashes
from agent.store.models import FiscalDocument
from drivers.fiscal_register import Cashier, FiscalRegister


def _open(device: FiscalRegister, cashier: Cashier | None, stray_open: bool, _row) -> Any:
    if stray_open:
        device.cancel_receipt()
    return device.open_shift(cashier)


def _close(device: FiscalRegister, cashier: Cashier | None, stray_open: bool, _row) -> Any:
    if stray_open:
        device.cancel_receipt()
    return device.close_shift(cashier)


def _cash(device: FiscalRegister, kind: str, amount: int, stray_open: bool, _row) -> Any:
    if stray_open:
        device.cancel_receipt()
    return device.cash_in(amount) if kind == "cash_in" else device.cash_out(amount)


async def open_shift_now(journal: FiscalJournal, cashier: Cashier | None) -> Any:
    """Open a shift inside ``Journal.once`` of a sale or return that found none open."""
    op = Operation(uuid=new_uuid(), type="shift_open", request_hash="auto", cashier=cashier)
    return await journal.fiscalize(op, _open, cashier, timeout=journal.timeouts().open_shift + 10)


async def _operation(journal: FiscalJournal, kind: str, request: ShiftRequest | CashRequest) -> Operation:
    cashier = await journal.read(lambda s: resolve_cashier(s, request.cashier))
    if cashier is not None:
        cashier = await journal.device(fit_cashier, cashier)  # as the FN will store tag 1021
    return Operation(
        uuid=request.uuid or new_uuid(),
        type=kind,
        **request_hashes(kind, request),
        total=request.amount if isinstance(request, CashRequest) else 0,
        cashier=cashier,
    )


async def open_shift(journal: FiscalJournal, request: ShiftRequest) -> tuple[FiscalDocument, bool]:
    op = await _operation(journal, "shift_open", request)

    async def perform() -> FiscalDocument:
        status, fn = await journal.probe()
        if status.shift_open:
            raise JournalError(
                409, "shift_already_open", N_("shift {number} is already open"), number=status.shift_number
            )
        timeout = journal.timeouts().open_shift + 10
        return await journal.fiscalize(op, _open, op.cashier, timeout=timeout, probed=(status, fn))

    return await journal.once(op, perform)


def shift_opener(session: Session, fn_serial: str | None, number: int) -> Cashier | None:
    """Who opened shift ``number`` (tags 1021/1203 as the FN stored them); None if not through kassa."""
    query = select(FiscalDocument).where(
        FiscalDocument.type == "shift_open",
        FiscalDocument.status == FISCALIZED,
        FiscalDocument.shift == number,
    )
    if fn_serial:
        query = query.where(FiscalDocument.fn_serial == fn_serial)
    doc = session.exec(query.order_by(FiscalDocument.id.desc())).first()
    return Cashier(name=doc.cashier_name or "", inn=doc.cashier_inn) if doc and doc.cashier_name else None


# may the operation's cashier close this shift: (shift number, who opened it, who closes) -> raises if not
ShiftCheck = Callable[[int | None, Cashier | None, Cashier | None], Awaitable[None]]


async def close_shift(
    journal: FiscalJournal, request: ShiftRequest, check: ShiftCheck | None = None
) -> tuple[FiscalDocument, bool]:
    """The Z report. ``check`` runs on the shift the register reports open, inside the same turn at
    the register as the close, so the shift it allowed is the one closed."""
    op = await _operation(journal, "shift_close", request)

    async def perform() -> FiscalDocument:
        status, fn = await journal.probe()
        if not status.shift_open:
            raise JournalError(409, "shift_not_open", N_("no shift is open: there is nothing to close"))
        if check is not None:
            number = status.shift_number
            opener = await journal.read(lambda session: shift_opener(session, journal.fn_serial, number))
            await check(number, opener, op.cashier)
        timeout = journal.timeouts().z_report + 10
        return await journal.fiscalize(op, _close, op.cashier, timeout=timeout, probed=(status, fn))

    return await journal.once(op, perform)


async def cash_move(journal: FiscalJournal, kind: str, request: CashRequest) -> tuple[FiscalDocument, bool]:
    op = await _operation(journal, kind, request)

    async def perform() -> FiscalDocument:
        status, fn = await journal.probe()
        journal.check_shift_not_expired()
        if not status.shift_open:
            raise JournalError(
                409, "shift_not_open", N_("no shift is open: open a shift before cash in or cash out")
            )
        return await journal.fiscalize(op, _cash, kind, request.amount, probed=(status, fn))

    return await journal.once(op, perform)


async def x_report(journal: FiscalJournal) -> dict[str, Any]:
    async def perform() -> None:
        status, _fn = await journal.probe()
        if not status.shift_open:
            raise JournalError(409, "shift_not_open", N_("no shift is open: an X report needs an open shift"))
        await journal.device(lambda device: device.x_report(), timeout=journal.timeouts().x_report + 10)

    await journal.once(None, perform)
    return await shift_view(journal)


def shift_totals(session: Session, fn_serial: str | None, number: int | None) -> dict[str, Any]:
    """Counts and sums of the shift's documents in our journal, by type."""
    totals = {kind: {"count": 0, "total": 0} for kind in ("sale", "return", "cash_in", "cash_out")}
    if number is None:
        return totals
    query = (
        select(FiscalDocument.type, func.count(), func.coalesce(func.sum(FiscalDocument.total), 0))
        .where(FiscalDocument.status == FISCALIZED, FiscalDocument.shift == number)
        .group_by(FiscalDocument.type)
    )
    if fn_serial:
        query = query.where(FiscalDocument.fn_serial == fn_serial)
    for kind, count, total in session.exec(query):
        if kind in totals:
            totals[kind] = {"count": count, "total": int(total)}
    return totals


async def shift_view(journal: FiscalJournal, now: datetime | None = None) -> dict[str, Any]:
    fn_serial = journal.fn_serial

    def read(session: Session) -> tuple[Any, dict[str, Any], Cashier | None]:
        shift = journal.shift_now(session)
        opener = shift_opener(session, fn_serial, shift.number) if shift.open and shift.number else None
        return shift, shift_totals(session, fn_serial, shift.number), opener

    shift, totals, opener = await journal.read(read)
    opened_by = opener.name if opener else None
    return {**shift.view(now or journal.now()), "opened_by": opened_by, "totals": totals}
