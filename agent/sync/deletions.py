"""Deleting products, and the questions asked before deleting ("Синхронизировать товары").

The one owner of catalog deletions. The catalog stream only flags what the back office deleted
(``pending_delete``); ``finish`` deletes the flags at the end of a run unless that would remove more
than the mass-delete share of the catalog. Turning product sync ON would delete the products made
at the register. Either way the operator is asked first, possibly both at once; nothing is deleted
until they accept, and declining the local-products question turns product sync back OFF. While
product sync is ON the back office owns the catalog and local edits are refused.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlmodel import Session

from agent.i18n import N_
from agent.store.models import Product, ProductGroup
from agent.sync import settings as sync_settings

SAMPLE = 50  # how many local products the question lists by name
PRODUCT_SYNC_ON = N_(
    "product sync is on, so the register's product list equals the back office's exactly and "
    "products added here would be deleted: add or change it in the back office, or turn "
    "product sync off first"
)


def local_edits_refused(session: Session) -> bool:
    """Product sync is ON: the back office owns the catalog, the register only reads it."""
    return sync_settings.product_sync(session)


def pending(session: Session) -> dict | None:
    value = sync_settings.get(session, sync_settings.CONFIRMATION_KEY)
    return value if isinstance(value, dict) and value else None


def _ask(session: Session, now: datetime, *, mass_delete: int, total: int, local_products: int) -> None:
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


def finish(session: Session, clock: Callable[[], datetime]) -> int:
    """End of a catalog run: delete what the back office deleted, unless a question says wait."""
    session.execute(delete(ProductGroup).where(ProductGroup.pending_delete.is_(True)))
    flagged = session.execute(FLAGGED).scalar_one()
    # the catalog's size is a count over every row: only a question needs it
    total = _count_all(session) if flagged else None
    deleted = 0
    mass = 0
    if flagged:
        if flagged > sync_settings.mass_delete_share(session) * total:
            mass = flagged
        else:
            deleted = _delete_flagged(session)
    local = _count_local(session) if sync_settings.product_sync(session) else 0
    if total is None:
        total = _count_all(session) if local else 0
    _ask(session, clock(), mass_delete=mass, total=total, local_products=local)
    return deleted


def set_product_sync(session: Session, now: datetime, on: bool, confirmed: bool) -> None:
    """Turn product sync on or off; turning it on with local products asks (or, confirmed, deletes)."""
    sync_settings.put(session, sync_settings.PRODUCT_SYNC_KEY, on)
    question = pending(session) or {}
    mass = int(question.get("mass_delete") or 0)
    total = int(question.get("catalog_size") or 0)
    local = _count_local(session) if on else 0
    if on and local and confirmed:
        _delete_local(session)
        local = 0
    _ask(session, now, mass_delete=mass, total=total, local_products=local)


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
    question = pending(session) or {}
    deleted = {"products": 0, "local_products": 0}
    if accept:
        if question.get("mass_delete"):
            deleted["products"] = _delete_flagged(session)
        if question.get("local_products") and sync_settings.product_sync(session):
            deleted["local_products"] = _delete_local(session)
    elif question.get("local_products"):
        sync_settings.put(session, sync_settings.PRODUCT_SYNC_KEY, False)
    sync_settings.put(session, sync_settings.CONFIRMATION_KEY, None)
    return deleted


def _delete_flagged(session: Session) -> int:
    return session.execute(delete(Product).where(Product.pending_delete.is_(True))).rowcount


def _count_all(session: Session) -> int:
    return session.execute(select(func.count()).select_from(Product)).scalar_one()


def _count_local(session: Session) -> int:
    return session.execute(LOCAL).scalar_one()


# the counts every run ends with, each answered by a partial index of its own (agent.store.models)
FLAGGED = select(func.count()).select_from(Product).where(Product.pending_delete.is_(True))
LOCAL = select(func.count()).select_from(Product).where(Product.origin == "local")


def _delete_local(session: Session) -> int:
    deleted = session.execute(delete(Product).where(Product.origin == "local")).rowcount
    session.execute(delete(ProductGroup).where(ProductGroup.origin == "local"))
    return deleted
