"""Comparing the register's catalog with the back office's."""

from __future__ import annotations

from sqlmodel import select

from agent.store.models import Barcode, Product, ProductGroup


def register_products(store) -> list[tuple]:
    with store.read() as session:
        rows = session.exec(select(Product).order_by(Product.code)).all()
        out = []
        for p in rows:
            codes = sorted(session.exec(select(Barcode.code).where(Barcode.product_id == p.id)).all())
            group = session.get(ProductGroup, p.group_id).remote_id if p.group_id else None
            out.append(
                (
                    p.remote_id,
                    p.code,
                    p.name,
                    p.price,
                    p.unit,
                    p.tax,
                    p.payment_object,
                    p.weighted,
                    p.marking_group,
                    group,
                    codes,
                )
            )
        return out


def office_products(bo) -> list[tuple]:
    return [
        (
            p["id"],
            p["code"],
            p["name"],
            p["price"],
            p["unit"],
            p["tax"],
            p["payment_object"],
            p["weighted"],
            p["marking_group"],
            p["group_id"],
            sorted(p["barcodes"]),
        )
        for p in sorted(bo.products(), key=lambda p: p["code"])
    ]


def add_local_product(store, code: str, name: str = "Местный товар") -> None:
    with store.write() as session:
        session.add(Product(code=code, name=name, price=5000, tax="vat20", origin="local"))


def unmarked(bo) -> list[dict]:
    """The back office's products a sale may carry without marking codes."""
    return [p for p in bo.products() if not p["marked"]]
