"""``/v1/products``: search the catalog; add, change and remove local products while product sync is OFF."""

from __future__ import annotations

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from agent.api.deps import CtxDep
from agent.api.errors import ApiError
from agent.i18n import N_
from agent.store.models import Barcode, Product, ProductGroup
from agent.store.types import utcnow
from agent.sync import deletions
from agent.sync import settings as sync_settings

router = APIRouter(prefix="/v1", tags=["products"])


class ProductBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=128)
    price: int = Field(ge=0, strict=True, description="kopecks")
    unit: str = Field("pcs", min_length=1, max_length=16)
    tax: str = Field(min_length=1, max_length=32)
    payment_object: str = Field("commodity", min_length=1, max_length=32)
    weighted: bool = False
    barcodes: list[str] = Field(default_factory=list, max_length=20)


def product_view(session, product: Product) -> dict:
    barcodes = session.exec(select(Barcode.code).where(Barcode.product_id == product.id)).all()
    group = session.get(ProductGroup, product.group_id) if product.group_id else None
    return {
        "id": product.id,
        "code": product.code,
        "name": product.name,
        "price": product.price,
        "unit": product.unit,
        "tax": product.tax,
        "payment_object": product.payment_object,
        "weighted": product.weighted,
        "group": group.name if group else None,
        "barcodes": sorted(barcodes),
        "origin": product.origin,
    }


def _fold(value: str | None) -> str | None:
    return value.casefold() if value is not None else None


def _casefold_function(session) -> None:
    """SQLite's lower() and LIKE fold only ASCII; names are Russian, so fold them in Python."""
    raw = session.connection().connection.dbapi_connection
    raw.create_function("kassa_casefold", 1, _fold, deterministic=True)


@router.get("/products")
def search(
    ctx: CtxDep,
    q: str = Query("", max_length=128),
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> dict:
    with ctx.store.read() as session:
        query = select(Product)
        text = q.strip()
        if text:
            _casefold_function(session)
            by_barcode = select(Barcode.product_id).where(Barcode.code == text)
            pattern = f"%{text.replace('%', '').replace('_', '')}%"
            query = query.where(
                or_(
                    Product.code == text,
                    Product.id.in_(by_barcode),
                    func.kassa_casefold(Product.name).like(pattern.casefold()),
                    Product.code.like(pattern),
                )
            )
        rows = session.exec(query.order_by(Product.name, Product.id).offset(offset).limit(limit)).all()
        total = session.execute(select(func.count()).select_from(Product)).scalar_one()
        return {
            "items": [product_view(session, row) for row in rows],
            "total": total,
            "product_sync": sync_settings.product_sync(session),
        }


def _refuse_while_synced(session) -> None:
    if deletions.local_edits_refused(session):
        raise ApiError(409, "product_sync_on", deletions.PRODUCT_SYNC_ON)


def _local(session, code: str) -> Product:
    product = session.exec(select(Product).where(Product.code == code)).first()
    if product is None:
        raise ApiError(404, "product_not_found", N_("no product with code {sku}"), sku=code)
    if product.origin != "local":
        raise ApiError(
            409,
            "product_from_backoffice",
            N_("product {sku} comes from the back office: change it there"),
            sku=code,
        )
    return product


def _save(session, product: Product, body: ProductBody) -> dict:
    for key, value in body.model_dump(exclude={"barcodes"}).items():
        setattr(product, key, value)
    product.origin = "local"
    product.updated_at = utcnow()
    session.add(product)
    try:
        session.flush()
        session.execute(delete(Barcode).where(Barcode.product_id == product.id))
        for code in body.barcodes:
            if session.get(Barcode, code) is not None:
                raise ApiError(
                    409, "barcode_taken", N_("barcode {barcode} belongs to another product"), barcode=code
                )
            session.add(Barcode(code=code, product_id=product.id))
        session.flush()
    except IntegrityError:
        raise ApiError(
            409, "product_exists", N_("a product with code {sku} already exists"), sku=body.code
        ) from None
    return product_view(session, product)


@router.post("/products", status_code=201)
def create(body: ProductBody, ctx: CtxDep) -> dict:
    with ctx.store.write() as session:
        _refuse_while_synced(session)
        if session.exec(select(Product).where(Product.code == body.code)).first() is not None:
            raise ApiError(
                409, "product_exists", N_("a product with code {sku} already exists"), sku=body.code
            )
        return _save(session, Product(code=body.code, name=body.name, price=body.price, tax=body.tax), body)


@router.put("/products/{code}")
def change(code: str, body: ProductBody, ctx: CtxDep) -> dict:
    with ctx.store.write() as session:
        _refuse_while_synced(session)
        return _save(session, _local(session, code), body)


@router.delete("/products/{code}")
def remove(code: str, ctx: CtxDep) -> dict:
    with ctx.store.write() as session:
        _refuse_while_synced(session)
        session.delete(_local(session, code))
    return {"deleted": code}
