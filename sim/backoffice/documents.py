"""Fiscal documents from registers: validated, then deduplicated for ever by uuid.

The hash of a document is SHA-256 over its canonical JSON (keys sorted, separators ``,`` and ``:``,
UTF-8 unescaped). The first valid document with a uuid is ``accepted``; the same uuid with the same
hash later is a ``duplicate`` (counted, nothing else changes); with another hash it is a
``conflict``, kept beside the original for the operator. A document failing validation is
``rejected`` with a message and not remembered, so a corrected one can still be sent.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid as uuidlib
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from sim.backoffice import tables as t

TYPES = ("sale", "return", "correction", "shift_open", "shift_close", "cash_in", "cash_out")
WITH_LINES = ("sale", "return", "correction")
CORRECTION_SIGNS = ("sale", "return", "expense", "expense_return")
MAX_BATCH = 1000
ORDER_FIELDS = {"source": 32, "account": 64, "external_id": 128}  # a document's link: field → longest
QUANTITY = re.compile(r"^[0-9]+(\.[0-9]{1,3})?$")
MAX_MARKS = 1000  # marking codes on one line (one per unit)
MAX_MARK_LENGTH = 512


def canonical(doc: object) -> str:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def document_hash(doc: object) -> str:
    return hashlib.sha256(canonical(doc).encode("utf-8")).hexdigest()


def _kopecks(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _time(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _line_problem(index: int, line: object) -> str | None:
    if not isinstance(line, dict):
        return f"lines[{index}] is not an object"
    if not isinstance(line.get("name"), str) or not line["name"]:
        return f"lines[{index}].name is missing"
    quantity = line.get("quantity")
    if not isinstance(quantity, str) or not QUANTITY.match(quantity) or Decimal(quantity) == 0:
        return f"lines[{index}].quantity must be a positive decimal string with at most 3 places"
    for key in ("price", "amount"):
        if not _kopecks(line.get(key)):
            return f"lines[{index}].{key} must be a non-negative integer (kopecks)"
    if "discount" in line and line["discount"] is not None and not _kopecks(line["discount"]):
        return f"lines[{index}].discount must be a non-negative integer (kopecks)"
    marks = line.get("marks", [])
    if not isinstance(marks, list) or len(marks) > MAX_MARKS or not all(_mark(code) for code in marks):
        return f"lines[{index}].marks must be a list of at most {MAX_MARKS} marking codes (text)"
    return None


def _mark(code: object) -> bool:
    return isinstance(code, str) and 0 < len(code) <= MAX_MARK_LENGTH


def _correction_problem(correction: object) -> str | None:
    """Tags 1173 and 1174 of a correction receipt: type, sign, the corrected day, the order's number."""
    if not isinstance(correction, dict):
        return "a correction needs its correction object"
    if correction.get("type") not in ("self", "order"):
        return "correction.type must be self or order"
    if correction.get("sign") not in CORRECTION_SIGNS:
        return f"correction.sign must be one of {', '.join(CORRECTION_SIGNS)}"
    try:
        date.fromisoformat(str(correction.get("date")))
    except ValueError:
        return "correction.date must be an ISO-8601 date"
    number = correction.get("number")
    if correction["type"] == "order" and not (isinstance(number, str) and number):
        return "correction.number is required for a correction by order"
    return None


def _order_problem(order: object) -> str | None:
    """The order a document settles: ``{"source", "account", "external_id"}`` (account may be null)."""
    if not isinstance(order, dict):
        return "order must be an object with source, account and external_id"
    for key, limit in ORDER_FIELDS.items():
        value = order.get(key)
        if key == "account" and value is None:
            continue
        if not isinstance(value, str) or not 0 < len(value) <= limit:
            return f"order.{key} must be a string of 1 to {limit} characters"
    return None


def order_link(doc: object) -> dict | None:
    """A valid document's link to the order it settles, or None."""
    order = doc.get("order") if isinstance(doc, dict) else None
    if not isinstance(order, dict):
        return None
    return {key: order.get(key) for key in ORDER_FIELDS}


def problem(doc: object) -> str | None:
    """Why ``doc`` is not a valid document, or None."""
    if not isinstance(doc, dict):
        return "a document must be a JSON object"
    try:
        uuidlib.UUID(str(doc.get("uuid")))
    except ValueError:
        return "uuid is missing or not a UUID"
    if doc.get("type") not in TYPES:
        return f"type must be one of {', '.join(TYPES)}"
    if not _time(doc.get("created_at")):
        return "created_at must be an ISO-8601 time"
    if doc.get("fiscalized_at") is not None and not _time(doc["fiscalized_at"]):
        return "fiscalized_at must be an ISO-8601 time"
    if not _kopecks(doc.get("total")):
        return "total must be a non-negative integer (kopecks)"
    lines, payments = doc.get("lines", []), doc.get("payments", [])
    if not isinstance(lines, list) or not isinstance(payments, list):
        return "lines and payments must be lists"
    for index, line in enumerate(lines):
        if found := _line_problem(index, line):
            return found
    for index, payment in enumerate(payments):
        if not isinstance(payment, dict) or not isinstance(payment.get("kind"), str):
            return f"payments[{index}].kind is missing"
        if not _kopecks(payment.get("amount")) or not _kopecks(payment.get("change", 0) or 0):
            return f"payments[{index}] amount and change must be non-negative integers (kopecks)"
    if doc["type"] == "correction" and (found := _correction_problem(doc.get("correction"))):
        return found
    if doc.get("order") is not None and (found := _order_problem(doc["order"])):
        return found
    if doc["type"] in WITH_LINES:
        if not lines:
            return f"a {doc['type']} needs at least one line"
        if sum(line["amount"] for line in lines) != doc["total"]:
            return "the line amounts do not add up to the total"
        paid = sum(p["amount"] - (p.get("change", 0) or 0) for p in payments)
        if payments and paid != doc["total"]:
            return "the payments minus change do not add up to the total"
    return None


def receive(conn: Connection, register_id: str, docs: list, now: datetime) -> list[dict]:
    """Apply a batch in order, in the caller's transaction; one result per document.

    The stored documents of the batch's uuids are read in one query and the new ones written in
    one executemany: a batch of a thousand costs a handful of statements, not two thousand.
    """
    uuids = [doc.get("uuid") for doc in docs if isinstance(doc, dict) and isinstance(doc.get("uuid"), str)]
    known = {
        row.uuid: [row.id, row.hash, 0]
        for row in conn.execute(
            select(t.document.c.id, t.document.c.uuid, t.document.c.hash).where(t.document.c.uuid.in_(uuids))
        )
    }
    new: dict[str, dict] = {}
    results = []
    for doc in docs:
        uuid = doc.get("uuid") if isinstance(doc, dict) else None
        uuid = uuid if isinstance(uuid, str) else None
        text = canonical(doc)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        why = problem(doc)
        if why:
            _issue(conn, uuid, register_id, "rejected", why, digest, text, now)
            results.append({"uuid": uuid, "status": "rejected", "message": why})
            continue
        stored = known.get(uuid)
        if stored is None:
            known[uuid] = [None, digest, 0]
            new[uuid] = {
                "uuid": uuid,
                "register_id": register_id,
                "type": doc["type"],
                "hash": digest,
                "payload": text,
                "received_at": now,
                "duplicates": 0,
            }
            results.append({"uuid": uuid, "status": "accepted"})
        elif stored[1] == digest:
            stored[2] += 1
            results.append({"uuid": uuid, "status": "duplicate"})
        else:
            message = "a different document with this uuid was received before; both are kept"
            _issue(conn, uuid, register_id, "conflict", message, digest, text, now)
            results.append({"uuid": uuid, "status": "conflict", "message": message})
    for uuid, row in new.items():
        row["duplicates"] = known[uuid][2]
    if new:
        conn.execute(insert(t.document), list(new.values()))
        links = [
            {"uuid": uuid, **link}
            for uuid, row in new.items()
            if (link := order_link(json.loads(row["payload"]))) is not None
        ]
        if links:
            conn.execute(insert(t.document_order), links)
    for row_id, _digest, duplicates in known.values():
        if row_id is not None and duplicates:
            conn.execute(
                update(t.document)
                .where(t.document.c.id == row_id)
                .values(duplicates=t.document.c.duplicates + duplicates)
            )
    return results


def _issue(conn, uuid, register_id, status, message, digest, text, now) -> None:
    """Keep a conflict or rejection once per (uuid, hash) for the operator."""
    seen = conn.execute(
        select(t.document_issue.c.id).where(
            t.document_issue.c.uuid == uuid if uuid else t.document_issue.c.uuid.is_(None),
            t.document_issue.c.hash == digest,
        )
    ).first()
    if seen is None:
        conn.execute(
            insert(t.document_issue).values(
                uuid=uuid,
                register_id=register_id,
                status=status,
                message=message,
                hash=digest,
                payload=text,
                received_at=now,
            )
        )


def _iso(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def received(conn: Connection, order: str | None = None) -> list[dict]:
    """Everything received, in arrival order: accepted documents, then conflicts and rejections;
    with ``order``, only the documents settling the order of that external id.

    Each entry: ``uuid, status, type, register_id, received_at, duplicates, message, order, document``.
    """
    links = {
        row.uuid: {"source": row.source, "account": row.account, "external_id": row.external_id}
        for row in conn.execute(select(t.document_order))
    }
    entries = []
    for row in conn.execute(select(t.document).order_by(t.document.c.id)):
        payload = json.loads(row.payload)
        entries.append(
            {
                "uuid": row.uuid,
                "status": "accepted",
                "type": row.type,
                "register_id": row.register_id,
                "received_at": _iso(row.received_at),
                "duplicates": row.duplicates,
                "message": None,
                "order": links.get(row.uuid),
                "document": payload,
            }
        )
    for row in conn.execute(select(t.document_issue).order_by(t.document_issue.c.id)):
        payload = json.loads(row.payload)
        entries.append(
            {
                "uuid": row.uuid,
                "status": row.status,
                "type": payload.get("type") if isinstance(payload, dict) else None,
                "register_id": row.register_id,
                "received_at": _iso(row.received_at),
                "duplicates": 0,
                "message": row.message,
                "order": order_link(payload) if row.status == "conflict" else None,
                "document": payload,
            }
        )
    if order is not None:
        entries = [entry for entry in entries if (entry["order"] or {}).get("external_id") == order]
    return entries
