"""The shapes clients send for fiscal operations: the local API's request bodies, defined (and
bounded) in the contract ``agent.api.schemas``.

The ``uuid`` is the client's idempotency key: the same uuid with the same body returns the first
result, with another body it is refused.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

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
    "request_hashes",
]


def request_hash(kind: str, body: BaseModel, **extra: Any) -> str:
    """A stable hash of what was asked (without the uuid, and without who asked: a retry by another
    cashier is the same sale): a reused uuid must ask the same. A number is its value however it was
    written: a retry that sends the quantity 2 as "2.000" asks the same sale."""
    data = body.model_dump(exclude={"uuid", "cashier"}, exclude_none=True)
    return _digest(to_jsonable_python(_values(data)), kind, extra)


def request_hashes(kind: str, body: BaseModel, **extra: Any) -> dict[str, Any]:
    """``Operation``'s hashes of the request: ``request_hash``, and the hash an earlier version wrote
    for it (numbers as written), which a known uuid's row may still hold."""
    as_written = body.model_dump(mode="json", exclude={"uuid", "cashier"}, exclude_none=True)
    earlier = _digest(as_written, kind, extra)
    now = request_hash(kind, body, **extra)
    return {"request_hash": now, "earlier_hashes": () if earlier == now else (earlier,)}


def _values(data: Any) -> Any:
    if isinstance(data, Decimal):
        return format(data.normalize(), "f")
    if isinstance(data, dict):
        return {key: _values(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_values(value) for value in data]
    return data


def _digest(data: dict[str, Any], kind: str, extra: dict[str, Any]) -> str:
    data = {**data, "kind": kind, **extra}
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
