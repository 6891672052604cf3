"""Products and groups from the back office: delta by cursor, each page and its cursor in one transaction.

Deleting is deferred: a tombstone (or, in a full resync, a product the back office no longer lists)
only flags the row ``pending_delete``; ``agent.sync.deletions`` deletes the flagged rows at the end of
the run or asks the operator first. The flags live in the database, so an interrupted sync resumes
correctly.
"""

from __future__ import annotations

import contextlib
import json
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import sqlite
from sqlmodel import Session

from agent.backoffice import BackofficeClient, errors
from agent.i18n import N_
from agent.marketplace.orders import match_waiting
from agent.store.models import BUILD_SEARCH_INDEX, SEARCH_INDEX, Product, ProductGroup, search_key
from agent.sync import cursor, deletions, records
from agent.sync.read_ahead import read_ahead
from agent.sync.records import Known
from agent.sync.stream import Attempt, IntervalStream

STREAM = "products"
DUPLICATE_CODE = N_("code {code} is on another product of the same page")
# updated_at as the column's own type stores it (the rows below bypass the ORM)
_STAMP = Product.__table__.c.updated_at.type.dialect_impl(sqlite.dialect()).bind_processor(sqlite.dialect())


class ProductStream(IntervalStream):
    """Products and groups down from the back office."""

    name = STREAM
    label = N_("products")
    interval = 900

    def __init__(self, options):
        self.page_limit = options.catalog_page_limit
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
        finally:
            attempt.store.release()  # the pages' connection and its cache, until the next run
            with attempt.store.write() as session:  # whatever ended the run, the search has its index
                session.connection().exec_driver_sql(BUILD_SEARCH_INDEX)
        with attempt.store.write() as session:
            attempt.details["deleted"] = deletions.finish(session, attempt.clock)
            question = deletions.describe(session)
            match_waiting(session, attempt.clock())  # orders that came before their goods
        if question:
            attempt.details["confirmation"] = question


def _pull_pages(
    attempt: Attempt, client: BackofficeClient, since: str | None, limit: int, known: Known
) -> None:
    """Each page with its cursor in one transaction, the next page read meanwhile.

    A page is written without waiting for its fsync (``Store.write(durable=False)``): a power cut
    loses at most the last pages together with their cursor, which the next run reads again. The
    last page is written durably."""
    full = since is None
    with contextlib.closing(read_ahead(client.pages("catalog", since, limit), attempt.pool)) as pages:
        for page in pages:
            now = attempt.clock()
            groups, products = _checked(page.items, known, attempt)  # before taking the write lock
            with attempt.store.write(durable=not page.more) as session:
                if full:
                    # from the beginning: whatever the back office does not list again is gone
                    _mark_all_backoffice_rows(session)
                    _defer_search_index(session)
                    full = False
                for remote_id, values in groups.items():
                    _apply_group(session, remote_id, values, now)
                if products:
                    _apply_products(session, products, now, attempt)
                since = page.next if page.next is not None else since
                cursor.save(session, STREAM, since, now)
            attempt.page_done(len(page.items), page)


def _mark_all_backoffice_rows(session: Session) -> None:
    session.execute(update(Product).where(Product.origin == "backoffice").values(pending_delete=True))
    session.execute(
        update(ProductGroup).where(ProductGroup.origin == "backoffice").values(pending_delete=True)
    )


def _defer_search_index(session: Session) -> None:
    """Into an empty catalog, the name's index is built once at the end of the run (``run``).

    Kept up row by row, each page's names land all over it and each commit rewrites hundreds of its
    pages: a third of a first sync's storing. Meanwhile a name search reads the rows (a code or a
    barcode, what a sale asks, keeps its index)."""
    if session.execute(select(Product.id).limit(1)).first() is None:
        session.connection().exec_driver_sql(f"DROP INDEX IF EXISTS {SEARCH_INDEX}")


def _checked(items: list, known: Known, attempt: Attempt) -> tuple[dict, dict]:
    """A page's groups and products by remote id, checked (``agent.sync.records``); a tombstone is
    None. A refused record is reported and left out."""
    groups: dict[str, dict | None] = {}
    products: dict[str, dict | None] = {}
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
    return groups, products


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


_COLUMNS = (
    "remote_id", "code", "name", "search_name", "price", "unit", "tax", "payment_object", "tax_system",
    "weighted", "marked", "marking_group", "group_id", "origin", "pending_delete", "updated_at",
)  # fmt: skip
_INSERT = f"INSERT INTO product ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"
_UPDATE = f"UPDATE product SET {', '.join(f'{c} = ?' for c in _COLUMNS)} WHERE id = ?"
_IN = "IN (SELECT value FROM json_each(?))"  # one parameter for any number of values


def _apply_products(session: Session, items: dict[str, dict | None], now: datetime, attempt: Attempt) -> None:
    """One page of products as plain rows in a handful of statements (executemany), not one per item."""
    db = session.connection().connection.dbapi_connection
    live = {remote_id: checked for remote_id, checked in items.items() if checked is not None}
    gone = [remote_id for remote_id, checked in items.items() if checked is None]
    if gone:
        db.execute(f"UPDATE product SET pending_delete = 1 WHERE remote_id {_IN}", (json.dumps(gone),))
    if not live:
        return
    by_remote = dict(
        db.execute(f"SELECT remote_id, id FROM product WHERE remote_id {_IN}", (json.dumps(list(live)),))
    )
    codes = json.dumps([checked["code"] for checked in live.values()])
    by_code = {
        code: (pid, rid)
        for code, pid, rid in db.execute(
            f"SELECT code, id, remote_id FROM product WHERE code {_IN}", (codes,)
        )
    }
    group_refs = json.dumps(list({checked["group_id"] for checked in live.values() if checked["group_id"]}))
    groups = dict(db.execute(f"SELECT remote_id, id FROM product_group WHERE remote_id {_IN}", (group_refs,)))
    stamp = _STAMP(now)
    inserts: list[tuple] = []
    updates: list[tuple] = []
    barcodes: dict[str, list[str]] = {}
    on_page: dict[str, str] = {}  # SKU -> the product of this page that has it
    for remote_id, checked in live.items():
        code = checked["code"]
        if on_page.get(code, remote_id) != remote_id:
            attempt.skip(remote_id, DUPLICATE_CODE, code=code)
            continue
        on_page[code] = remote_id
        group = checked["group_id"]
        row = (
            remote_id,
            code,
            checked["name"],
            search_key(checked["name"]),
            checked["price"],
            checked["unit"],
            checked["tax"],
            checked["payment_object"],
            checked["tax_system"],
            checked["weighted"],
            checked["marked"],
            checked["marking_group"],
            groups.get(group) if group else None,
            "backoffice",
            False,
            stamp,
        )
        target = by_remote.get(remote_id)
        holder = by_code.get(code)
        if holder and holder[0] != target:
            if holder[1] is None and target is None:
                target = holder[0]  # a local product with the same SKU becomes the back office's
            else:
                # another row holds this SKU until its own change arrives: park it under a unique code
                db.execute("UPDATE product SET code = ? WHERE id = ?", (f"{code}~{holder[0]}", holder[0]))
        if target is None:
            inserts.append(row)
        else:
            updates.append((*row, target))
        by_code[code] = (target, remote_id)
        barcodes[remote_id] = checked["barcodes"]
    if updates:
        db.executemany(_UPDATE, updates)
    if inserts:
        db.executemany(_INSERT, inserts)
    ids = dict(
        db.execute(f"SELECT remote_id, id FROM product WHERE remote_id {_IN}", (json.dumps(list(barcodes)),))
    )
    db.execute(f"DELETE FROM barcode WHERE product_id {_IN}", (json.dumps(list(ids.values())),))
    wanted = {code: ids[rid] for rid, codes in barcodes.items() for code in codes}
    if wanted:
        db.execute(f"DELETE FROM barcode WHERE code {_IN}", (json.dumps(list(wanted)),))
        db.executemany("INSERT INTO barcode (code, product_id) VALUES (?, ?)", wanted.items())
