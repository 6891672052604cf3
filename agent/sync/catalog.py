"""Products and groups from the back office: delta by cursor, each page and its cursor in one transaction.

Deleting is deferred: a tombstone (or, in a full resync, a product the back office no longer lists)
only flags the row ``pending_delete``; ``agent.sync.deletions`` deletes the flagged rows at the end of
the run or asks the operator first. The flags live in the database, so an interrupted sync resumes
correctly.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, insert, select, update
from sqlmodel import Session

from agent.backoffice import BackofficeClient, errors
from agent.i18n import N_
from agent.store.models import Barcode, Product, ProductGroup, search_key
from agent.sync import cursor, deletions, records
from agent.sync.records import Known
from agent.sync.stream import Attempt, IntervalStream

STREAM = "products"
DUPLICATE_CODE = N_("code {code} is on another product of the same page")


class ProductStream(IntervalStream):
    """Products and groups down from the back office."""

    name = STREAM
    label = N_("products")
    interval = 900

    def __init__(self, options):
        self.page_limit = options.page_limit
        self.known = options.known

    def run(self, attempt: Attempt) -> None:
        client = attempt.backoffice()
        known = self.known()
        attempt.details.update(deleted=0, resynced=False)
        with attempt.store.read() as session:
            since = cursor.load(session, STREAM)
        try:
            _pull_pages(attempt, client, since, self.page_limit, known)
        except errors.CursorExpired:
            attempt.details["resynced"] = True
            _pull_pages(attempt, client, None, self.page_limit, known)
        with attempt.store.write() as session:
            attempt.details["deleted"] = deletions.finish(session, attempt.clock)
            question = deletions.describe(session)
        if question:
            attempt.details["confirmation"] = question


def _pull_pages(
    attempt: Attempt, client: BackofficeClient, since: str | None, limit: int, known: Known
) -> None:
    full = since is None
    for page in client.pages("catalog", since, limit):
        now = attempt.clock()
        with attempt.store.write() as session:
            if full:
                # from the beginning: whatever the back office does not list again is gone
                _mark_all_backoffice_rows(session)
                full = False
            apply_page(session, page.items, now, known, attempt)
            since = page.next if page.next is not None else since
            cursor.save(session, STREAM, since, now)
        attempt.page_done(len(page.items), page)


def _mark_all_backoffice_rows(session: Session) -> None:
    session.execute(update(Product).where(Product.origin == "backoffice").values(pending_delete=True))
    session.execute(
        update(ProductGroup).where(ProductGroup.origin == "backoffice").values(pending_delete=True)
    )


def apply_page(session: Session, items: list, now: datetime, known: Known, attempt: Attempt) -> None:
    """Groups first (products point at them), then products with their barcodes; bulk statements.

    Each record is checked first (``agent.sync.records``); a refused one is reported and skipped.
    """
    groups: dict[str, dict | None] = {}
    products: dict[str, dict | None] = {}  # remote id -> values, None for a tombstone
    for index, item in enumerate(items):
        try:
            remote_id, gone = records.deleted(item)
            kind = item.get("type")
            if kind == "group":
                groups[remote_id] = None if gone else records.check_group(item)
            elif kind == "product":
                products[remote_id] = None if gone else records.check_product(item, known)
            else:
                raise records.Refused(records.UNKNOWN_VALUE, field="type", value=str(kind)[:32])
        except records.Refused as refused:
            attempt.skip(records.label(item, index), refused.reason, **refused.params)
    for remote_id, values in groups.items():
        _apply_group(session, remote_id, values, now)
    if products:
        _apply_products(session, products, now, attempt)


def _group_id(session: Session, remote_id: str | None) -> int | None:
    if not remote_id:
        return None
    return session.execute(
        select(ProductGroup.id).where(ProductGroup.remote_id == remote_id)
    ).scalar_one_or_none()


def _apply_group(session: Session, remote_id: str, checked: dict | None, now: datetime) -> None:
    if checked is None:
        session.execute(
            update(ProductGroup).where(ProductGroup.remote_id == remote_id).values(pending_delete=True)
        )
        return
    values = {
        "name": checked["name"],
        "parent_id": _group_id(session, checked["parent_id"]),
        "origin": "backoffice",
        "pending_delete": False,
        "updated_at": now,
    }
    found = session.execute(
        update(ProductGroup).where(ProductGroup.remote_id == remote_id).values(**values)
    ).rowcount
    if not found:
        session.execute(insert(ProductGroup).values(remote_id=remote_id, **values))


def _apply_products(session: Session, items: dict[str, dict | None], now: datetime, attempt: Attempt) -> None:
    """One page of products in a handful of statements (executemany), not one statement per item."""
    live = {remote_id: checked for remote_id, checked in items.items() if checked is not None}
    gone = [remote_id for remote_id, checked in items.items() if checked is None]
    if gone:
        session.execute(update(Product).where(Product.remote_id.in_(gone)).values(pending_delete=True))
    if not live:
        return
    table = Product.__table__
    remote_ids = list(live)
    codes = [checked["code"] for checked in live.values()]
    by_remote = dict(
        session.execute(select(table.c.remote_id, table.c.id).where(table.c.remote_id.in_(remote_ids))).all()
    )
    by_code = {
        code: (pid, rid)
        for code, pid, rid in session.execute(
            select(table.c.code, table.c.id, table.c.remote_id).where(table.c.code.in_(codes))
        ).all()
    }
    group_refs = {checked["group_id"] for checked in live.values() if checked["group_id"]}
    groups = dict(
        session.execute(
            select(ProductGroup.remote_id, ProductGroup.id).where(ProductGroup.remote_id.in_(group_refs))
        ).all()
    )
    inserts: list[dict] = []
    updates: list[dict] = []
    barcodes: dict[str, list[str]] = {}
    on_page: dict[str, str] = {}  # SKU -> the product of this page that has it
    for remote_id, checked in live.items():
        code = checked["code"]
        if on_page.get(code, remote_id) != remote_id:
            attempt.skip(remote_id, DUPLICATE_CODE, code=code)
            continue
        on_page[code] = remote_id
        values = {
            **{
                key: checked[key]
                for key in ("code", "name", "price", "unit", "tax", "payment_object", "tax_system")
            },
            "search_name": search_key(checked["name"]),
            "weighted": checked["weighted"],
            "marked": checked["marked"],
            "marking_group": checked["marking_group"],
            "group_id": groups.get(checked["group_id"]) if checked["group_id"] else None,
            "origin": "backoffice",
            "pending_delete": False,
            "updated_at": now,
        }
        target = by_remote.get(remote_id)
        holder = by_code.get(code)
        if holder and holder[0] != target:
            if holder[1] is None and target is None:
                target = holder[0]  # a local product with the same SKU becomes the back office's
            else:
                # another row holds this SKU until its own change arrives: park it under a unique code
                parked = f"{code}~{holder[0]}"
                session.execute(update(table).where(table.c.id == holder[0]).values(code=parked))
        if target is None:
            inserts.append({"remote_id": remote_id, **values})
        else:
            updates.append({"_id": target, "remote_id": remote_id, **values})
        by_code[code] = (target, remote_id)
        barcodes[remote_id] = checked["barcodes"]
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
        session.execute(
            select(table.c.remote_id, table.c.id).where(table.c.remote_id.in_(list(barcodes)))
        ).all()
    )
    session.execute(delete(Barcode).where(Barcode.product_id.in_(list(ids.values()))))
    wanted = {code: ids[rid] for rid, codes in barcodes.items() for code in codes}
    if wanted:
        session.execute(delete(Barcode).where(Barcode.code.in_(list(wanted))))
        session.execute(insert(Barcode.__table__), [{"code": c, "product_id": p} for c, p in wanted.items()])
