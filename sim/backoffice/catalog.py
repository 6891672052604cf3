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


def upsert_group(conn: Connection, group_id: str, name: str, parent_id: str | None = None) -> str:
    values = {
        "name": name,
        "parent_id": parent_id,
        "deleted": False,
        "seq": allocate_seq(conn),
        "updated_at": utcnow(),
    }
    exists = conn.execute(select(t.product_group.c.id).where(t.product_group.c.id == group_id)).first()
    if exists:
        conn.execute(update(t.product_group).where(t.product_group.c.id == group_id).values(**values))
    else:
        conn.execute(insert(t.product_group).values(id=group_id, **values))
    return group_id


def delete_group(conn: Connection, group_id: str) -> bool:
    result = conn.execute(
        update(t.product_group)
        .where(t.product_group.c.id == group_id, t.product_group.c.deleted.is_(False))
        .values(deleted=True, seq=allocate_seq(conn), updated_at=utcnow())
    )
    return result.rowcount == 1


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
    group_id: str | None = None,
    barcodes: Iterable[str] = (),
    product_id: str | None = None,
) -> str:
    """Create or change the product with this id (or, without an id, this code); returns its id."""
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
        "group_id": group_id,
        "barcodes": list(barcodes),
        "deleted": False,
        "seq": allocate_seq(conn),
        "updated_at": utcnow(),
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
    if row is None or row.deleted:
        return False
    conn.execute(
        update(t.product)
        .where(t.product.c.id == row.id)
        .values(deleted=True, seq=allocate_seq(conn), updated_at=utcnow())
    )
    return True


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
    values = {
        "name": name,
        "role": role,
        "inn": inn,
        "pin_hash": pin_hash,
        "deleted": False,
        "seq": allocate_seq(conn),
        "updated_at": utcnow(),
    }
    employee_id = employee_id or "emp-" + secrets.token_hex(6)
    exists = conn.execute(select(t.employee.c.id).where(t.employee.c.id == employee_id)).first()
    if exists:
        conn.execute(update(t.employee).where(t.employee.c.id == employee_id).values(**values))
    else:
        conn.execute(insert(t.employee).values(id=employee_id, **values))
    return employee_id


def delete_employee(conn: Connection, employee_id: str) -> bool:
    result = conn.execute(
        update(t.employee)
        .where(t.employee.c.id == employee_id, t.employee.c.deleted.is_(False))
        .values(deleted=True, seq=allocate_seq(conn), updated_at=utcnow())
    )
    return result.rowcount == 1
