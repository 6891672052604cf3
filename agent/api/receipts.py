"""Sales and returns: ``/v1/receipts``.

``POST /v1/receipts`` — a sale. Body (``agent.journal.requests.SaleRequest``)::

    {"uuid": "client-chosen id (idempotency key)",
     "lines": [{"code": "SKU" | "barcode": "...",             # a catalog line, or
                "name": "Free item", "price": 12345,          # a free-price line (kopecks)
                "quantity": "1.500",                          # string or int, 3 places; default 1
                "discount": 0, "discount_percent": "10",      # this line's own discount
                "tax": "vat20", "unit": "pcs", "payment_object": "commodity"}],  # optional overrides
     "discount": 0, "discount_percent": null,                 # on the whole receipt, spread over lines
     "payments": [{"kind": "cash" | "card" | ..., "amount": 50000}],  # amount left out: the rest;
                                                              # none at all: cash, exact
     "buyer_contact": "+79990000000 | a@b.ru",                # tag 1008, optional
     "buyer_name": "ООО Ромашка", "buyer_inn": "7707083893",  # tags 1227/1228, optional, together
     "cashier": {"employee_id": 1} | {"name": "Иванова", "inn": "..."},  # the technician only
     "order_id": null}                                        # always null: see below

→ 201 for a new receipt, 200 for a replay of a known uuid with the same body (``"replayed": true``).
The receipt (also of every GET)::

    {"id", "uuid", "type": "sale"|"return", "status": "fiscalized"|"pending"|"failed",
     "created_at", "fiscalized_at", "kkt_serial", "fn_serial", "fd", "fiscal_sign", "shift",
     "total", "change", "cashier": {"name", "inn"}|null, "buyer_contact",
     "buyer": {"name", "inn"} (B2B receipts only),
     "lines": [{"code", "name", "quantity": "1.000", "price", "discount", "amount", "unit", "tax",
                "payment_object", "returned": "0.000" (sales only)}],
     "payments": [{"kind", "amount", "change"}], "original_uuid", "original_id", "order_id",
     "returns": [ids] (sales only), "error": {"code", "message"}|null,
     "upload": "queued"|"sent"|"accepted"|"duplicate"|"conflict"|"rejected"|null, "upload_error",
     "replayed": bool}

Errors (``{"error": {"code", "message"}}``): 422 ``validation_error`` / ``invalid_receipt`` (names the
field), 409 ``uuid_conflict`` (uuid reused with another body), 409 ``order_receipt`` (the body
names an order, or its uuid is the one a marketplace order's receipt goes under: an order's receipt
is made only by ``POST /v1/orders/{id}/fiscalize``, from the order's own lines), 409
``shift_expired`` (close the shift with a Z report), 409 driver errors (paper out, ...: the receipt
is reconciled and failed), 503 ``register_unavailable`` / ``device_unavailable`` /
``journal_unsettled``, 507 ``store_failed`` (nothing was fiscalized; a receipt opened beside the
commit is cancelled).

``GET /v1/receipts?limit=50&before_id=&type=sale|return|correction&status=`` → ``{"items": [receipt, ...]}``
newest first. ``GET /v1/receipts/{id}`` → the receipt (404 ``receipt_not_found``).

``POST /v1/receipts/{id}/return`` — body (``ReturnRequest``)::

    {"uuid": "...", "lines": [{"position": 1, "quantity": "1.000"}] | null (everything left),
     "payments": [{"kind", "amount"}] | null (as the sale was paid), "buyer_contact", "cashier"}

→ 201 the return receipt (``type`` "return", ``original_id``); 409 ``return_limit`` when more is
asked than is left, 409 ``already_returned``.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Response
from sqlmodel import select

from agent.api import schemas
from agent.api.access import CallerDep, check_sale, signed
from agent.api.deps import CtxDep, IdPath
from agent.api.errors import ApiError
from agent.i18n import N_
from agent.journal.requests import ReturnRequest, SaleRequest
from agent.journal.returns import refund
from agent.journal.sale import sell
from agent.journal.views import RECEIPT_TYPES, document_view
from agent.marketplace.orders import may_be_order_uuid, order_of_uuid
from agent.store.models import FiscalDocument

router = APIRouter(prefix="/v1/receipts", tags=["receipts"])


def journal_of(ctx) -> Any:
    journal = ctx.services.journal
    if journal is None:
        raise ApiError(503, "journal_unavailable", N_("the journal is not running in this daemon"))
    return journal


# what every journal operation's route answers besides its 201 (in the OpenAPI document)
JOURNAL_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"description": "a replay of a known uuid with the same body: the first answer, unchanged"},
    507: {"description": "store_failed: the store could not be written; nothing was fiscalized"},
}


async def answer(journal, work, response: Response) -> dict[str, Any]:
    """Run a journal operation and show its document; 201 when new, 200 when replayed."""
    doc, replayed = await work
    response.status_code = 200 if replayed else 201
    return await journal.answer(doc, replayed)


async def checked(ctx, caller, body) -> tuple[Any, Any, Any]:
    """A receipt priced from its lines (a sale's or a correction's) before the register hears of it:
    the journal, the request signed by the caller, and its pricing (``check_sale``), refused when its
    sum or the caller's role does not allow it."""
    journal = journal_of(ctx)
    config = ctx.settings.config
    body = signed(body, caller, config)
    return journal, body, await check_sale(caller, body, journal, config)


ORDER_RECEIPT = N_(
    "the receipt of marketplace order {id} is made only from the order itself: fiscalize the order "
    "from the orders screen (kassa orders fiscalize {id})"
)


async def refuse_order_receipt(journal, body: SaleRequest) -> None:
    """A plain sale is never an order's receipt: it names no order and takes no order's uuid, so
    a cheap receipt cannot settle an order (only ``POST /v1/orders/{id}/fiscalize`` builds one)."""
    if body.order_id is not None:
        raise ApiError(409, "order_receipt", ORDER_RECEIPT, id=body.order_id)
    if not may_be_order_uuid(body.uuid):  # a sale's usual uuid: no read on the sale's path
        return
    order = await journal.read(lambda session: order_of_uuid(session, body.uuid))
    if order is not None:
        raise ApiError(409, "order_receipt", ORDER_RECEIPT, id=order.id)


@router.post("", status_code=201, response_model=schemas.Document, responses=JOURNAL_ANSWERS)
async def create_receipt(
    body: SaleRequest, ctx: CtxDep, caller: CallerDep, response: Response
) -> dict[str, Any]:
    journal, body, priced = await checked(ctx, caller, body)
    await refuse_order_receipt(journal, body)
    return await answer(journal, sell(journal, body, priced), response)


@router.get("", response_model=schemas.Receipts)
async def list_receipts(
    ctx: CtxDep,
    limit: int = Query(50, ge=1, le=500),
    before_id: int | None = Query(None, ge=1, le=schemas.MAX_ID),
    type: Literal["sale", "return", "correction"] | None = None,
    status: Literal["pending", "fiscalized", "failed"] | None = None,
) -> dict[str, Any]:
    journal = journal_of(ctx)

    def items(session):
        query = select(FiscalDocument).where(FiscalDocument.type.in_([type] if type else list(RECEIPT_TYPES)))
        if status:
            query = query.where(FiscalDocument.status == status)
        if before_id:
            query = query.where(FiscalDocument.id < before_id)
        docs = session.exec(query.order_by(FiscalDocument.id.desc()).limit(limit))
        return [document_view(session, doc) for doc in docs]

    return {"items": await journal.read(items)}


def _not_found(receipt_id: int) -> ApiError:
    return ApiError(404, "receipt_not_found", N_("no receipt {id} in the journal"), id=receipt_id)


@router.get("/{receipt_id}", response_model=schemas.Document)
async def get_receipt(receipt_id: IdPath, ctx: CtxDep) -> dict[str, Any]:
    journal = journal_of(ctx)

    def view(session):
        doc = session.get(FiscalDocument, receipt_id)
        return document_view(session, doc) if doc and doc.type in RECEIPT_TYPES else None

    found = await journal.read(view)
    if found is None:
        raise _not_found(receipt_id)
    return found


@router.post(
    "/{receipt_id}/return", status_code=201, response_model=schemas.Document, responses=JOURNAL_ANSWERS
)
async def return_receipt(
    receipt_id: IdPath, body: ReturnRequest, ctx: CtxDep, caller: CallerDep, response: Response
) -> dict[str, Any]:
    journal = journal_of(ctx)
    body = signed(body, caller, ctx.settings.config)
    return await answer(journal, refund(journal, receipt_id, body), response)
