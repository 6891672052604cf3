"""The shapes clients send for fiscal operations: the local API's request bodies, defined (and
bounded) in the contract ``agent.api.schemas``.

The ``uuid`` is the client's idempotency key: the same uuid with the same body returns the first
result, with another body it is refused.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel

from agent.api.schemas import (
    BuyerContact,
    CashierRef,
    CashRequest,
    CorrectionRequest,
    ExactDecimal,
    LineRequest,
    PaymentRequest,
    ReturnLineRequest,
    ReturnRequest,
    SaleRequest,
    ShiftRequest,
)

__all__ = [
    "BuyerContact",
    "CashRequest",
    "CashierRef",
    "CorrectionRequest",
    "ExactDecimal",
    "LineRequest",
    "PaymentRequest",
    "ReturnLineRequest",
    "ReturnRequest",
    "SaleRequest",
    "ShiftRequest",
    "request_hash",
]


def request_hash(kind: str, body: BaseModel, **extra: Any) -> str:
    """A stable hash of what was asked (without the uuid, and without who asked: a retry by another
    cashier is the same sale): a reused uuid must ask the same."""
    data = body.model_dump(mode="json", exclude={"uuid", "cashier"}, exclude_none=True)
    data.update(kind=kind, **extra)
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
