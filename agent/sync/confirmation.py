"""Questions product sync asks the operator before deleting ("Синхронизировать товары").

Two kinds, possibly both at once: local-only products that product sync ON would delete, and a
back-office deletion larger than the mass-delete share of the catalog. Nothing is deleted until
the operator accepts; declining the local-products question turns product sync back OFF.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from agent.store.models import Product
from agent.sync import settings as sync_settings

SAMPLE = 50  # how many local products the question lists by name


def pending(session: Session) -> dict | None:
    value = sync_settings.get(session, sync_settings.CONFIRMATION_KEY)
    return value if isinstance(value, dict) and value else None


def set_pending(
    session: Session, now: datetime, *, mass_delete: int, total: int, local_products: int
) -> None:
    if not mass_delete and not local_products:
        sync_settings.put(session, sync_settings.CONFIRMATION_KEY, None)
        return
    sync_settings.put(
        session,
        sync_settings.CONFIRMATION_KEY,
        {
            "mass_delete": mass_delete,
            "catalog_size": total,
            "local_products": local_products,
            "asked_at": now.isoformat(),
        },
    )


def describe(session: Session) -> dict | None:
    """The pending question as the API shows it, with some of the local products named."""
    question = pending(session)
    if question is None:
        return None
    local = []
    if question.get("local_products"):
        rows = session.execute(
            select(Product.code, Product.name)
            .where(Product.origin == "local")
            .order_by(Product.code)
            .limit(SAMPLE)
        ).all()
        local = [{"code": code, "name": name} for code, name in rows]
    return {
        "mass_delete": {"count": question["mass_delete"], "catalog_size": question["catalog_size"]}
        if question.get("mass_delete")
        else None,
        "local_products": {"count": question["local_products"], "sample": local}
        if question.get("local_products")
        else None,
        "share": sync_settings.mass_delete_share(session),
        "asked_at": question.get("asked_at"),
    }


def resolve(session: Session, accept: bool) -> dict:
    """Apply the operator's answer; returns what was deleted."""
    from agent.sync import catalog

    question = pending(session) or {}
    deleted = {"products": 0, "local_products": 0}
    if accept:
        if question.get("mass_delete"):
            deleted["products"] = catalog.delete_flagged(session)
        if question.get("local_products") and sync_settings.product_sync(session):
            deleted["local_products"] = catalog.delete_local(session)
    elif question.get("local_products"):
        sync_settings.put(session, sync_settings.PRODUCT_SYNC_KEY, False)
    sync_settings.put(session, sync_settings.CONFIRMATION_KEY, None)
    return deleted
