"""``/v1/products``: search the catalog; add, change and remove local products while product sync is OFF."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlalchemy import and_, delete, func, not_, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from agent.api import schemas
from agent.api.deps import CtxDep
from agent.api.errors import ApiError
from agent.api.schemas import MAX_ID, ProductBody
from agent.i18n import N_
from agent.store.models import Barcode, Product, ProductGroup, search_key
from agent.store.types import utcnow
from agent.sync import deletions
from agent.sync import settings as sync_settings

router = APIRouter(prefix="/v1", tags=["products"])


CodePath = Annotated[str, Path(min_length=1, max_length=64)]


def product_view(session, product: Product) -> dict:
    return product_views(session, [product])[0]


def product_views(session, products: list[Product]) -> list[dict]:
    """The products as the API shows them: their barcodes and groups read in one query each."""
    ids = [product.id for product in products]
    barcodes: dict[int, list[str]] = {}
    for code, product_id in session.exec(
        select(Barcode.code, Barcode.product_id).where(Barcode.product_id.in_(ids))
    ):
        barcodes.setdefault(product_id, []).append(code)
    group_ids = {product.group_id for product in products if product.group_id}
    groups = dict(
        session.exec(select(ProductGroup.id, ProductGroup.name).where(ProductGroup.id.in_(group_ids))).all()
    )
    return [
        {
            "id": product.id,
            "code": product.code,
            "name": product.name,
            "price": product.price,
            "unit": product.unit,
            "tax": product.tax,
            "payment_object": product.payment_object,
            "weighted": product.weighted,
            "marked": product.marked,
            "marking_group": product.marking_group,
            "group": groups.get(product.group_id),
            "barcodes": sorted(barcodes.get(product.id, [])),
            "origin": product.origin,
        }
        for product in products
    ]


def _matches(session, text: str, offset: int, limit: int) -> list[Product]:
    """Exact code or barcode first, then names starting with the text (any case), by name.

    Both are index lookups. Only when they fill less than the page (and the text is no code or
    barcode) are names and codes containing the text added after them: that one scans.
    """
    by_barcode = select(Barcode.product_id).where(Barcode.code == text)
    exact = list(session.exec(select(Product).where(or_(Product.code == text, Product.id.in_(by_barcode)))))
    exact.sort(key=lambda product: (product.search_name, product.id))
    exact_ids = [product.id for product in exact]
    key = search_key(text)
    prefix = and_(
        Product.search_name >= key, Product.search_name < key + "\U0010ffff", Product.id.not_in(exact_ids)
    )
    wanted = offset + limit
    rows = exact[offset:wanted]
    if len(rows) < limit:
        query = select(Product).where(prefix).order_by(Product.search_name, Product.id)
        rows += session.exec(query.offset(max(0, offset - len(exact))).limit(limit - len(rows)))
    if len(rows) == limit or exact:
        return rows
    before = len(exact) + session.exec(select(func.count()).select_from(Product).where(prefix)).one()
    literal = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")  # "50%" is 50 %
    pattern = f"%{literal}%"
    contains = and_(
        not_(prefix),
        or_(
            Product.search_name.like(search_key(pattern), escape="\\"),
            Product.code.like(pattern, escape="\\"),
        ),
    )
    query = select(Product).where(contains).order_by(Product.search_name, Product.id)
    return rows + list(session.exec(query.offset(max(0, offset - before)).limit(limit - len(rows))))


_counts: dict[int, tuple] = {}  # id of a pool connection -> (it, its version, the count)


def _product_count(session) -> int:
    """All products, counted again only when the database changed since this connection last did.

    Counting 100,000 rows costs more than the search itself. SQLite's data_version moves when
    another connection commits, total_changes when this one writes: together they say when the
    count kept for this connection may be stale.
    """
    raw = session.connection().connection.dbapi_connection
    version = (raw.execute("PRAGMA data_version").fetchone()[0], raw.total_changes)
    kept = _counts.get(id(raw))
    if kept is not None and kept[0] is raw and kept[1] == version:
        return kept[2]
    total = session.execute(select(func.count()).select_from(Product)).scalar_one()
    if len(_counts) > 64:  # connections the pool has replaced
        _counts.clear()
    _counts[id(raw)] = (raw, version, total)
    return total


@router.get("/products", response_model=schemas.Products)
def search(
    ctx: CtxDep,
    q: str = Query("", max_length=128),
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_ID),
) -> dict:
    with ctx.store.read() as session:
        text = q.strip()
        if text:
            rows = _matches(session, text, offset, limit)
        else:
            query = select(Product).order_by(Product.search_name, Product.id).offset(offset).limit(limit)
            rows = list(session.exec(query))
        total = _product_count(session)
        return {
            "items": product_views(session, rows),
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


@router.post("/products", status_code=201, response_model=schemas.Product)
def create(body: ProductBody, ctx: CtxDep) -> dict:
    with ctx.store.write() as session:
        _refuse_while_synced(session)
        if session.exec(select(Product).where(Product.code == body.code)).first() is not None:
            raise ApiError(
                409, "product_exists", N_("a product with code {sku} already exists"), sku=body.code
            )
        return _save(session, Product(code=body.code, name=body.name, price=body.price, tax=body.tax), body)


@router.put("/products/{code}", response_model=schemas.Product)
def change(code: CodePath, body: ProductBody, ctx: CtxDep) -> dict:
    with ctx.store.write() as session:
        _refuse_while_synced(session)
        return _save(session, _local(session, code), body)


@router.delete("/products/{code}", response_model=schemas.Deleted)
def remove(code: CodePath, ctx: CtxDep) -> dict:
    with ctx.store.write() as session:
        _refuse_while_synced(session)
        session.delete(_local(session, code))
    return {"deleted": code}
