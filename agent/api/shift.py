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
from agent.api.access import CallerDep, cashier_for, shift_check
from agent.api.deps import CtxDep
from agent.api.receipts import journal_of
from agent.journal.requests import CashRequest, ShiftRequest
from agent.journal.shift import cash_move, close_shift, open_shift, shift_view, x_report
from agent.journal.views import document_view

router = APIRouter(prefix="/v1", tags=["shift"])


async def _document(journal, work, response: Response) -> dict[str, Any]:
    doc, replayed = await work
    response.status_code = 200 if replayed else 201
    return {
        "document": await journal.read(lambda s: document_view(s, doc, replayed)),
        "shift": await shift_view(journal),
    }


def _signed(body, caller, ctx):
    """The body with its cashier: the session's employee, or whom the technician names (or the default)."""
    return body.model_copy(update={"cashier": cashier_for(caller, body.cashier, ctx.settings.config)})


@router.get("/shift", response_model=schemas.Shift)
async def get_shift(ctx: CtxDep) -> dict[str, Any]:
    return await shift_view(journal_of(ctx))


@router.post("/shift/open", status_code=201, response_model=schemas.ShiftDocument)
async def post_open(
    ctx: CtxDep, caller: CallerDep, response: Response, body: ShiftRequest | None = None
) -> dict[str, Any]:
    journal = journal_of(ctx)
    return await _document(
        journal, open_shift(journal, _signed(body or ShiftRequest(), caller, ctx)), response
    )


@router.post("/shift/close", status_code=201, response_model=schemas.ShiftDocument)
async def post_close(
    ctx: CtxDep, caller: CallerDep, response: Response, body: ShiftRequest | None = None
) -> dict[str, Any]:
    journal = journal_of(ctx)
    signed = _signed(body or ShiftRequest(), caller, ctx)
    return await _document(journal, close_shift(journal, signed, shift_check(caller)), response)


@router.post("/reports/x", response_model=schemas.XReport)
async def post_x_report(ctx: CtxDep) -> dict[str, Any]:
    journal = journal_of(ctx)
    return {"shift": await x_report(journal)}


@router.post("/cash/in", status_code=201, response_model=schemas.ShiftDocument)
async def post_cash_in(
    body: CashRequest, ctx: CtxDep, caller: CallerDep, response: Response
) -> dict[str, Any]:
    journal = journal_of(ctx)
    return await _document(journal, cash_move(journal, "cash_in", _signed(body, caller, ctx)), response)


@router.post("/cash/out", status_code=201, response_model=schemas.ShiftDocument)
async def post_cash_out(
    body: CashRequest, ctx: CtxDep, caller: CallerDep, response: Response
) -> dict[str, Any]:
    journal = journal_of(ctx)
    return await _document(journal, cash_move(journal, "cash_out", _signed(body, caller, ctx)), response)
