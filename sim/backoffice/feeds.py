"""Change feeds (catalog, employees, orders) paged by the global change sequence.

A cursor is ``<epoch>.<seq>``: the generation of the database and the last change number the
client has applied. Pages read only changes up to the counter value taken at the start, so a page
never skips a change that commits while it is being read. Compaction drops tombstones and raises
the horizon; a cursor below it (or from another generation) answers 410 ``cursor_expired`` and the
client starts again from the beginning.
"""

from __future__ import annotations

from sqlalchemy import Table, delete, func, select
from sqlalchemy.engine import Connection

from agent.i18n import N_
from common.digits import is_digits
from sim.backoffice import tables as t
from sim.backoffice.database import get_state, set_state
from sim.backoffice.errors import ApiError

DEFAULT_LIMIT = 500
MAX_LIMIT = 1000


def encode_cursor(epoch: int, seq: int) -> str:
    return f"{epoch}.{seq}"


def _expired() -> ApiError:
    return ApiError(410, "cursor_expired", N_("the cursor has expired; start again from the beginning"))


def decode_cursor(conn: Connection, since: str | None, bound: int) -> int:
    """The change number after which to read; 0 for the beginning."""
    if since is None or since == "":
        return 0
    epoch_text, _, seq_text = since.partition(".")
    if not (is_digits(epoch_text) and is_digits(seq_text)):
        raise ApiError(
            422,
            "validation_error",
            N_("invalid request: {field}: {problem}"),
            field="since",
            problem="not a cursor from this server",
        )
    if int(epoch_text) != get_state(conn, "epoch"):
        raise _expired()
    seq = int(seq_text)
    if seq < get_state(conn, "horizon") or seq > bound:
        raise _expired()
    return seq


def group_item(row) -> dict:
    if row["deleted"]:
        return {"type": "group", "id": row["id"], "deleted": True}
    return {
        "type": "group",
        "id": row["id"],
        "name": row["name"],
        "parent_id": row["parent_id"],
        "deleted": False,
    }


def product_item(row) -> dict:
    if row["deleted"]:
        return {"type": "product", "id": row["id"], "deleted": True}
    return {
        "type": "product",
        "id": row["id"],
        "code": row["code"],
        "name": row["name"],
        "price": row["price"],
        "unit": row["unit"],
        "tax": row["tax"],
        "payment_object": row["payment_object"],
        "weighted": row["weighted"],
        "marked": bool(row["marked"]),
        "marking_group": row["marking_group"],
        "group_id": row["group_id"],
        "barcodes": list(row["barcodes"] or []),
        "deleted": False,
    }


def employee_item(row) -> dict:
    if row["deleted"]:
        return {"type": "employee", "id": row["id"], "deleted": True}
    return {
        "type": "employee",
        "id": row["id"],
        "name": row["name"],
        "role": row["role"],
        "inn": row["inn"],
        "pin_hash": row["pin_hash"],
        "deleted": False,
    }


def order_item(row) -> dict:
    return {
        "id": row["id"],
        "marketplace": row["marketplace"],
        "external_id": row["external_id"],
        "status": row["status"],
        "currency": row["currency"],
        "total": row["total"],
        "buyer": row["buyer"],
        "lines": row["lines"],
        "receipt_uuid": row["receipt_uuid"],
        "reason": row["reason"],
        "created_at": row["created_at"].isoformat().replace("+00:00", "Z"),
        "updated_at": row["updated_at"].isoformat().replace("+00:00", "Z"),
    }


FEEDS: dict[str, list[tuple[Table, object]]] = {
    "catalog": [(t.product_group, group_item), (t.product, product_item)],
    "employees": [(t.employee, employee_item)],
    "orders": [(t.marketplace_order, order_item)],
}


def page(conn: Connection, feed: str, since: str | None, limit: int) -> dict:
    """One page of ``feed`` after ``since``: ``{"items", "next", "more", "remaining"}``."""
    bound = get_state(conn, "seq")
    epoch = get_state(conn, "epoch")
    after = decode_cursor(conn, since, bound)
    rows = []
    for table, render in FEEDS[feed]:
        query = (
            select(*[column for column in table.c if column.name != "seq"], table.c.seq)
            .where(table.c.seq > after, table.c.seq <= bound)
            .order_by(table.c.seq)
            .limit(limit + 1)
        )
        result = conn.execute(query)
        keys = list(result.keys())
        # plain dicts: a Row's attribute access costs more than the query for a page of 1000
        rows.extend(
            (values[-1], render, dict(zip(keys, values, strict=True))) for values in map(tuple, result)
        )
    rows.sort(key=lambda entry: entry[0])
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1][0] if more else max(bound, after)
    remaining = 0
    if more:  # how many changes follow this page: the register shows it as progress
        for table, _render in FEEDS[feed]:
            remaining += conn.execute(
                select(func.count()).select_from(table).where(table.c.seq > last, table.c.seq <= bound)
            ).scalar_one()
    return {
        "items": [render(row) for _seq, render, row in rows],
        "next": encode_cursor(epoch, last),
        "more": more,
        "remaining": remaining,
    }


def compact(conn: Connection) -> int:
    """Forget every tombstone and move the horizon to now; returns how many were dropped."""
    dropped = 0
    for table in (t.product_group, t.product, t.employee):
        dropped += conn.execute(delete(table).where(table.c.deleted.is_(True))).rowcount
    set_state(conn, "horizon", get_state(conn, "seq"))
    return dropped
