"""Products and groups from the back office: delta by cursor, each page and its cursor in one transaction.

Deleting is deferred: a tombstone (or, in a full resync, a product the back office no longer lists)
only flags the row ``pending_delete``; ``finish`` deletes the flagged rows at the end of the run
unless that would remove more than the mass-delete share of the catalog, in which case the
operator is asked first. The flags live in the database, so an interrupted sync resumes correctly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlmodel import Session

from agent.backoffice import BackofficeClient, errors
from agent.store import Store
from agent.store.models import Barcode, Product, ProductGroup, SyncCursor
from agent.sync import confirmation
from agent.sync import settings as sync_settings

STREAM = "products"


@dataclass
class CatalogRun:
    items: int = 0
    deleted: int = 0
    resynced: bool = False


def pull(
    store: Store,
    client: BackofficeClient,
    clock: Callable[[], datetime],
    *,
    limit: int = 500,
    allow_mass_delete: bool = False,
) -> CatalogRun:
    run = CatalogRun()
    with store.read() as session:
        row = session.get(SyncCursor, STREAM)
        since = row.cursor if row else None
    try:
        _pull_pages(store, client, since, clock, limit, run)
    except errors.CursorExpired:
        run.resynced = True
        _pull_pages(store, client, None, clock, limit, run)
    with store.write() as session:
        run.deleted = finish(session, clock, allow_mass_delete=allow_mass_delete)
    return run


def _pull_pages(
    store: Store,
    client: BackofficeClient,
    since: str | None,
    clock: Callable[[], datetime],
    limit: int,
    run: CatalogRun,
) -> None:
    full = since is None
    for page in client.pages("catalog", since, limit):
        with store.write() as session:
            if full:
                # from the beginning: whatever the back office does not list again is gone
                _mark_all_backoffice_rows(session)
                full = False
            apply_page(session, page.items, clock())
            _save_cursor(session, page.next if page.next is not None else since, clock())
        since = page.next if page.next is not None else since
        run.items += len(page.items)


def _mark_all_backoffice_rows(session: Session) -> None:
    session.execute(update(Product).where(Product.origin == "backoffice").values(pending_delete=True))
    session.execute(
        update(ProductGroup).where(ProductGroup.origin == "backoffice").values(pending_delete=True)
    )


def _save_cursor(session: Session, cursor: str | None, now: datetime) -> None:
    row = session.get(SyncCursor, STREAM) or SyncCursor(stream=STREAM)
    row.cursor = cursor
    row.updated_at = now
    session.add(row)


def apply_page(session: Session, items: list[dict], now: datetime) -> None:
    """Groups first (products point at them), then products with their barcodes; bulk statements."""
    for item in items:
        if item.get("type") == "group":
            _apply_group(session, item, now)
    products = [item for item in items if item.get("type") == "product"]
    if products:
        _apply_products(session, products, now)


def _group_id(session: Session, remote_id: object) -> int | None:
    if remote_id in (None, ""):
        return None
    return session.execute(
        select(ProductGroup.id).where(ProductGroup.remote_id == str(remote_id))
    ).scalar_one_or_none()


def _apply_group(session: Session, item: dict, now: datetime) -> None:
    remote_id = str(item["id"])
    if item.get("deleted"):
        session.execute(
            update(ProductGroup).where(ProductGroup.remote_id == remote_id).values(pending_delete=True)
        )
        return
    values = {
        "name": str(item.get("name") or ""),
        "parent_id": _group_id(session, item.get("parent_id")),
        "origin": "backoffice",
        "pending_delete": False,
        "updated_at": now,
    }
    found = session.execute(
        update(ProductGroup).where(ProductGroup.remote_id == remote_id).values(**values)
    ).rowcount
    if not found:
        session.execute(insert(ProductGroup).values(remote_id=remote_id, **values))


def _product_values(session: Session, item: dict, now: datetime, groups: dict) -> dict:
    group = item.get("group_id")
    return {
        "code": str(item["code"]),
        "name": str(item.get("name") or ""),
        "price": int(item.get("price") or 0),
        "unit": str(item.get("unit") or "pcs"),
        "tax": str(item.get("tax") or "none"),
        "payment_object": str(item.get("payment_object") or "commodity"),
        "weighted": bool(item.get("weighted")),
        "group_id": groups.get(str(group)) if group not in (None, "") else None,
        "origin": "backoffice",
        "pending_delete": False,
        "updated_at": now,
    }


def _apply_products(session: Session, items: list[dict], now: datetime) -> None:
    """One page of products in a handful of statements (executemany), not one statement per item."""
    live = [item for item in items if not item.get("deleted")]
    gone = [str(item["id"]) for item in items if item.get("deleted")]
    if gone:
        session.execute(update(Product).where(Product.remote_id.in_(gone)).values(pending_delete=True))
    if not live:
        return
    table = Product.__table__
    remote_ids = [str(item["id"]) for item in live]
    codes = [str(item["code"]) for item in live]
    by_remote = dict(
        session.execute(select(table.c.remote_id, table.c.id).where(table.c.remote_id.in_(remote_ids))).all()
    )
    by_code = {
        code: (pid, rid)
        for code, pid, rid in session.execute(
            select(table.c.code, table.c.id, table.c.remote_id).where(table.c.code.in_(codes))
        ).all()
    }
    group_refs = {str(item["group_id"]) for item in live if item.get("group_id") not in (None, "")}
    groups = dict(
        session.execute(
            select(ProductGroup.remote_id, ProductGroup.id).where(ProductGroup.remote_id.in_(group_refs))
        ).all()
    )
    inserts: list[dict] = []
    updates: list[dict] = []
    barcodes: dict[str, list[str]] = {}
    for item in live:
        remote_id = str(item["id"])
        values = _product_values(session, item, now, groups)
        target = by_remote.get(remote_id)
        holder = by_code.get(values["code"])
        if holder and holder[0] != target:
            if holder[1] is None and target is None:
                target = holder[0]  # a local product with the same SKU becomes the back office's
            else:
                # another row holds this SKU until its own change arrives: park it under a unique code
                parked = f"{values['code']}~{holder[0]}"
                session.execute(update(table).where(table.c.id == holder[0]).values(code=parked))
        if target is None:
            inserts.append({"remote_id": remote_id, **values})
        else:
            updates.append({"_id": target, "remote_id": remote_id, **values})
        by_code[values["code"]] = (target, remote_id)
        barcodes[remote_id] = [str(code) for code in item.get("barcodes") or []]
    if updates:
        columns = [key for key in updates[0] if key != "_id"]
        statement = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values({c: bindparam(f"v_{c}") for c in columns})
        )
        session.execute(statement, [{"_id": u["_id"], **{f"v_{c}": u[c] for c in columns}} for u in updates])
    if inserts:
        session.execute(insert(table), inserts)
    ids = dict(
        session.execute(select(table.c.remote_id, table.c.id).where(table.c.remote_id.in_(remote_ids))).all()
    )
    session.execute(delete(Barcode).where(Barcode.product_id.in_(list(ids.values()))))
    wanted = {code: ids[rid] for rid, codes in barcodes.items() for code in codes}
    if wanted:
        session.execute(delete(Barcode).where(Barcode.code.in_(list(wanted))))
        session.execute(insert(Barcode.__table__), [{"code": c, "product_id": p} for c, p in wanted.items()])


def finish(session: Session, clock: Callable[[], datetime], *, allow_mass_delete: bool = False) -> int:
    """Delete what the back office deleted, unless the guard or a local-products question says wait."""
    session.execute(delete(ProductGroup).where(ProductGroup.pending_delete.is_(True)))
    flagged = session.execute(
        select(func.count()).select_from(Product).where(Product.pending_delete.is_(True))
    ).scalar_one()
    total = session.execute(select(func.count()).select_from(Product)).scalar_one()
    deleted = 0
    mass = 0
    if flagged:
        if not allow_mass_delete and flagged > sync_settings.mass_delete_share(session) * total:
            mass = flagged
        else:
            deleted = delete_flagged(session)
    local = 0
    if sync_settings.product_sync(session):
        local = count_local(session)
    confirmation.set_pending(session, clock(), mass_delete=mass, total=total, local_products=local)
    return deleted


def delete_flagged(session: Session) -> int:
    return session.execute(delete(Product).where(Product.pending_delete.is_(True))).rowcount


def count_local(session: Session) -> int:
    return session.execute(
        select(func.count()).select_from(Product).where(Product.origin == "local")
    ).scalar_one()


def delete_local(session: Session) -> int:
    deleted = session.execute(delete(Product).where(Product.origin == "local")).rowcount
    session.execute(delete(ProductGroup).where(ProductGroup.origin == "local"))
    return deleted
