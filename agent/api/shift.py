"""The shift and the cash drawer: ``/v1/shift``, ``/v1/reports/x``, ``/v1/cash/in|out``.

``GET /v1/shift`` → ``{"open": bool, "number": int|null, "opened_at": iso|null, "hours_left": int|null,
"expired": bool, "totals": {"sale"|"return"|"cash_in"|"cash_out": {"count", "total"}}}`` (from the
last state read from the register and the journal; no device call).

``POST /v1/shift/open`` body ``{"uuid"?: str, "cashier"?: {"employee_id"} | {"name", "inn"?}}`` →
201 ``{"document": <journal document, as in receipts.py>, "shift": <GET /v1/shift>}``;
409 ``shift_already_open``.

``POST /v1/shift/close`` (the Z report) same body → 201 the same shape; 409 ``shift_not_open``;
403 ``forbidden`` for a cashier closing a shift not opened in their name (an administrator may).

``POST /v1/reports/x`` (no body) → 200 ``{"shift": <GET /v1/shift>}``; 409 ``shift_not_open``.

``POST /v1/cash/in`` and ``/v1/cash/out`` body ``{"uuid": str, "amount": kopecks > 0, "cashier"?}``
→ 201 ``{"document", "shift"}``; 409 ``shift_not_open`` / ``shift_expired``.

A repeated ``uuid`` answers 200 with the first document and does nothing on the register.
Errors as in receipts.py.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from agent.api import schemas
from agent.api.access import CallerDep, shift_check, signed
from agent.api.deps import CtxDep
from agent.api.receipts import JOURNAL_ANSWERS, answer, journal_of
from agent.journal.requests import CashRequest, ShiftRequest
from agent.journal.shift import cash_move, close_shift, open_shift, shift_view, x_report

router = APIRouter(prefix="/v1", tags=["shift"])


async def _document(journal, work, response: Response) -> dict[str, Any]:
    """The document as receipts are answered, and the shift after it."""
    return {"document": await answer(journal, work, response), "shift": await shift_view(journal)}


@router.get("/shift", response_model=schemas.Shift)
async def get_shift(ctx: CtxDep) -> dict[str, Any]:
    return await shift_view(journal_of(ctx))


@router.post("/shift/open", status_code=201, response_model=schemas.ShiftDocument, responses=JOURNAL_ANSWERS)
async def post_open(
    ctx: CtxDep, caller: CallerDep, response: Response, body: ShiftRequest | None = None
) -> dict[str, Any]:
    journal = journal_of(ctx)
    request = signed(body or ShiftRequest(), caller, ctx.settings.config)
    return await _document(journal, open_shift(journal, request), response)


@router.post("/shift/close", status_code=201, response_model=schemas.ShiftDocument, responses=JOURNAL_ANSWERS)
async def post_close(
    ctx: CtxDep, caller: CallerDep, response: Response, body: ShiftRequest | None = None
) -> dict[str, Any]:
    journal = journal_of(ctx)
    request = signed(body or ShiftRequest(), caller, ctx.settings.config)
    return await _document(journal, close_shift(journal, request, shift_check(caller)), response)


@router.post("/reports/x", response_model=schemas.XReport)
async def post_x_report(ctx: CtxDep) -> dict[str, Any]:
    journal = journal_of(ctx)
    return {"shift": await x_report(journal)}


@router.post("/cash/in", status_code=201, response_model=schemas.ShiftDocument, responses=JOURNAL_ANSWERS)
async def post_cash_in(
    body: CashRequest, ctx: CtxDep, caller: CallerDep, response: Response
) -> dict[str, Any]:
    journal = journal_of(ctx)
    request = signed(body, caller, ctx.settings.config)
    return await _document(journal, cash_move(journal, "cash_in", request), response)


@router.post("/cash/out", status_code=201, response_model=schemas.ShiftDocument, responses=JOURNAL_ANSWERS)
async def post_cash_out(
    body: CashRequest, ctx: CtxDep, caller: CallerDep, response: Response
) -> dict[str, Any]:
    journal = journal_of(ctx)
    request = signed(body, caller, ctx.settings.config)
    return await _document(journal, cash_move(journal, "cash_out", request), response)
