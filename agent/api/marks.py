"""``POST /v1/marks/check``: a marking code checked by the FN when it is scanned (and, for goods
under the permissive mode, by the national system online).

The cashier learns at once whether the unit may be sold (and why not, in words); the receipt checks
each code again when it is made and binds it to its position.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from sqlmodel import select

from agent.api import schemas
from agent.api.deps import CtxDep, request_language
from agent.api.errors import ApiError
from agent.api.receipts import journal_of
from agent.i18n import N_, translate
from agent.journal.marks import allowed, check_now, read_code, verdict_words
from agent.journal.permissive import REASONS, check_online
from agent.store.models import Barcode, Product
from common.marking import barcodes_of_gtin, product_gtins
from drivers.fiscal_register import MarkPlan, ReceiptKind

router = APIRouter(prefix="/v1/marks", tags=["marked goods"])


def _product_of(session, body: schemas.MarkCheckRequest, gtin: str) -> tuple[Product | None, set[str]]:
    if body.product is not None:
        product = session.exec(select(Product).where(Product.code == body.product)).first()
        if product is None:
            raise ApiError(
                404, "product_not_found", N_("no product {code} in the catalog"), code=body.product
            )
    else:
        barcodes = barcodes_of_gtin(gtin)
        owner = session.exec(select(Barcode.product_id).where(Barcode.code.in_(barcodes))).first()
        product = session.get(Product, owner) if owner else None
    if product is None:
        return None, set()
    codes = session.exec(select(Barcode.code).where(Barcode.product_id == product.id)).all()
    return product, product_gtins(codes)


@router.post("/check", response_model=schemas.MarkCheckAnswer)
async def check_mark(body: schemas.MarkCheckRequest, ctx: CtxDep, request: Request) -> dict[str, Any]:
    journal = journal_of(ctx)
    lang = request_language(request)
    code = read_code("code", body.code, journal.mark_substitutes(), None)
    product, gtins = await journal.read(lambda session: _product_of(session, body, code.gtin))
    if product is not None and product.marking_group:  # read again with the group's lengths
        code = read_code("code", body.code, journal.mark_substitutes(), product.marking_group)
    if product is not None and not product.marked:
        raise ApiError(
            422,
            "not_marked",
            N_("\u201c{name}\u201d is not a marked product: sell it without a code"),
            name=product.name,
        )
    if product is not None and code.gtin not in gtins:
        raise ApiError(
            422,
            "mark_of_another_product",
            N_("the marking code is of another product (GTIN {gtin}), not of \u201c{name}\u201d"),
            gtin=code.gtin,
            name=product.name,
        )
    kind = ReceiptKind(body.kind)
    measured = bool(product and product.weighted)
    plan = MarkPlan.of(kind, measured)
    quantity = body.quantity if measured else Decimal(1)
    unit = product.unit if product else "pcs"

    async def perform():
        return await journal.device(check_now, code.code, plan, quantity, unit)

    check, _replayed = await journal.once(None, perform)
    message = translate(verdict_words(check.verdict, kind), lang)
    may = allowed(check.verdict)
    settings = journal.marking()
    permissive = product is not None and product.marking_group in settings.permissive_groups
    if may and kind == ReceiptKind.SALE and settings.permissive_url and permissive:
        _answer, (reason,) = await check_online(
            settings, [(code.code, code.identity)], journal.fn_serial, journal.now
        )
        if reason is not None:  # the permissive mode's answer: the sale would be refused
            may, message = False, translate(REASONS[reason], lang)
    return {
        "code": code.code,
        "gtin": code.gtin,
        "serial": code.serial,
        "product": product.code if product else None,
        "name": product.name if product else None,
        "verdict": str(check.verdict),
        "allowed": may,
        "message": message,
        "result": check.result,
        "local": str(check.local),
        "online": str(check.online),
    }
