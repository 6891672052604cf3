"""Correction receipts (чек коррекции): ``POST /v1/corrections``, an administrator's action.

Body (``agent.journal.requests.CorrectionRequest``)::

    {"uuid": "...", "sign": "sale" | "return" | "expense" | "expense_return",  # tag 1054
     "type": "self" | "order" | null,          # tag 1173; null: order when document_number is given
     "reason": "the register was down on 20 November",
     "document_date": "2026-11-20",            # tag 1178; default today
     "document_number": "12-34/5",             # tag 1179; required by order
     "lines": [...], "discount": 0, "discount_percent": null, "payments": [...],  # as a sale's
     "cashier": ...}

→ 201 the correction receipt (``type`` "correction", ``correction`` with its tags and reason), 200
for a replay of a known uuid; the errors of ``POST /v1/receipts``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from agent.api import schemas
from agent.api.access import CallerDep
from agent.api.deps import CtxDep
from agent.api.receipts import JOURNAL_ANSWERS, answer, checked
from agent.journal.correction import correct
from agent.journal.requests import CorrectionRequest

router = APIRouter(prefix="/v1/corrections", tags=["receipts"])


@router.post("", status_code=201, response_model=schemas.Document, responses=JOURNAL_ANSWERS)
async def create_correction(
    body: CorrectionRequest, ctx: CtxDep, caller: CallerDep, response: Response
) -> dict[str, Any]:
    journal, body, _priced = await checked(ctx, caller, body)
    return await answer(journal, correct(journal, body), response)
