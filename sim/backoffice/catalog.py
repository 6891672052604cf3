"""Changing the back office's catalog and staff: every change takes a new change number.

Deleting leaves a tombstone (``deleted`` with a new number) so registers learn of it on their next
sync; ``feeds.compact`` forgets tombstones later. Products are found by id or by code (the SKU);
a product re-created with the code of a deleted one gets its old id back.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from agent.pin_hash import hash_pin
from sim.backoffice import tables as t
from sim.backoffice.clock import utcnow
from sim.backoffice.database import allocate_seq

ROLES = ("cashier", "administrator")


def _changed(conn: Connection) -> dict:
    """The columns every change sets: alive, the next change number, now."""
    return {"deleted": False, "seq": allocate_seq(conn), "updated_at": utcnow()}


def _put(conn: Connection, table, row_id: str, values: dict) -> None:
    """Insert or update the row with this id, as a new change."""
    values = {**values, **_changed(conn)}
    if conn.execute(select(table.c.id).where(table.c.id == row_id)).first():
        conn.execute(update(table).where(table.c.id == row_id).values(**values))
    else:
        conn.execute(insert(table).values(id=row_id, **values))


def _tombstone(conn: Connection, table, row_id: str) -> bool:
    """Mark the live row deleted, as a new change; False when there is no live row."""
    result = conn.execute(
        update(table)
        .where(table.c.id == row_id, table.c.deleted.is_(False))
        .values(deleted=True, seq=allocate_seq(conn), updated_at=utcnow())
    )
    return result.rowcount == 1


def upsert_group(conn: Connection, group_id: str, name: str, parent_id: str | None = None) -> str:
    _put(conn, t.product_group, group_id, {"name": name, "parent_id": parent_id})
    return group_id


def delete_group(conn: Connection, group_id: str) -> bool:
    return _tombstone(conn, t.product_group, group_id)


def find_product(conn: Connection, key: str):
    """The product row whose id or code is ``key`` (live rows first), or None."""
    query = (
        select(t.product)
        .where((t.product.c.id == key) | (t.product.c.code == key))
        .order_by(t.product.c.deleted)
    )
    return conn.execute(query).first()


def upsert_product(
    conn: Connection,
    *,
    code: str,
    name: str,
    price: int,
    unit: str = "pcs",
    tax: str = "vat20",
    payment_object: str = "commodity",
    weighted: bool = False,
    marking_group: str | None = None,
    group_id: str | None = None,
    barcodes: Iterable[str] = (),
    product_id: str | None = None,
) -> str:
    """Create or change the product with this id (or, without an id, this code); returns its id.
    A ``marking_group`` (milk, water, shoes, ...) makes it a marked product."""
    if isinstance(price, bool) or not isinstance(price, int) or price < 0:
        raise ValueError(f"price must be a non-negative integer number of kopecks, not {price!r}")
    values = {
        "code": code,
        "name": name,
        "price": price,
        "unit": unit,
        "tax": tax,
        "payment_object": payment_object,
        "weighted": weighted,
        "marked": marking_group is not None,
        "marking_group": marking_group,
        "group_id": group_id,
        "barcodes": list(barcodes),
        **_changed(conn),
    }
    row = find_product(conn, product_id or code)
    if row is not None and (product_id is None or row.id == product_id):
        conn.execute(update(t.product).where(t.product.c.id == row.id).values(**values))
        return row.id
    new_id = product_id or "prd-" + secrets.token_hex(6)
    conn.execute(insert(t.product).values(id=new_id, **values))
    return new_id


def delete_product(conn: Connection, key: str) -> bool:
    """Tombstone the live product whose id or code is ``key``; False when there is none."""
    row = find_product(conn, key)
    return row is not None and not row.deleted and _tombstone(conn, t.product, row.id)


def upsert_employee(
    conn: Connection,
    *,
    name: str,
    role: str = "cashier",
    pin: str | None = None,
    pin_hash: str | None = None,
    inn: str | None = None,
    employee_id: str | None = None,
) -> str:
    """Create or change an employee; give ``pin`` (hashed here) or a ready ``pin_hash``."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if pin_hash is None:
        if pin is None:
            raise ValueError("an employee needs a PIN")
        pin_hash = hash_pin(pin)
    employee_id = employee_id or "emp-" + secrets.token_hex(6)
    _put(conn, t.employee, employee_id, {"name": name, "role": role, "inn": inn, "pin_hash": pin_hash})
    return employee_id


def delete_employee(conn: Connection, employee_id: str) -> bool:
    return _tombstone(conn, t.employee, employee_id)
