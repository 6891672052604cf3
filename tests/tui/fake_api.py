"""An in-memory stand-in for the daemon's local API, for layout snapshots and quick pilot tests.

It replaces only ``KassaApi._request`` so every call still goes through tui/api.py's parsing. Each
answer is built through the contract: the response model the real app declares for the route
(``agent.api.schemas``, found from the app's OpenAPI document) validates it, so a fake that
disagrees with the server fails the test instead of hiding a bug. Data and times are fixed so
snapshots are byte-for-byte stable. Tests of the real path use a real daemon (test_real_daemon.py).
"""

from __future__ import annotations

import asyncio
import copy
import functools
import re
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from agent.api import schemas
from agent.api.access import allowed_routes, role_of
from agent.api.app import create_app
from agent.client import DaemonError
from agent.i18n import translate
from agent.marketplace.service import qr_text
from tui.api import KassaApi

WHEN = "2026-11-23T09:30:00+00:00"


def catalog_product(
    number: int,
    code: str,
    name: str,
    price: int,
    barcodes: list[str],
    unit: str = "pcs",
    marking: str | None = None,
) -> dict:
    return schemas.Product(
        id=number,
        code=code,
        name=name,
        price=price,
        unit=unit,
        tax="vat20",
        payment_object="commodity",
        weighted=unit == "kg",
        marked=marking is not None,
        marking_group=marking,
        barcodes=barcodes,
        origin="backoffice",
    ).model_dump(mode="json")


PRODUCTS = [
    catalog_product(1, "MILK-1L", "Молоко 3,2% 1 л", 8990, ["4600000000017"]),
    catalog_product(2, "BREAD-W", "Хлеб белый", 4500, ["4600000000024"]),
    catalog_product(3, "TEA-100", "Чай чёрный 100 г", 15900, ["4600000000031"]),
    catalog_product(4, "APPLE-KG", "Яблоки, кг", 12900, [], unit="kg"),
]
EMPLOYEES = {
    "1111": schemas.Employee(id=1, name="Иванова Анна", role="administrator").model_dump(mode="json"),
    "2222": schemas.Employee(id=2, name="Петров Сергей", role="cashier").model_dump(mode="json"),
}


@functools.cache
def _answer_models() -> list[tuple[str, re.Pattern, type[BaseModel]]]:
    """(method, path pattern, response model) of every route, from the real app's OpenAPI document."""
    table = []
    for path, operations in create_app(ctx=None).openapi()["paths"].items():
        pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$")
        for method, operation in operations.items():
            for status in ("200", "201", "202"):
                content = operation.get("responses", {}).get(status, {}).get("content", {})
                ref = content.get("application/json", {}).get("schema", {}).get("$ref")
                if ref:
                    table.append((method.upper(), pattern, getattr(schemas, ref.rsplit("/", 1)[1])))
    return table


def through_contract(method: str, path: str, answer: Any) -> Any:
    if answer is None:  # 204: no content
        return None
    for route_method, pattern, model in _answer_models():
        if route_method == method and pattern.match(path):
            return model.model_validate(answer).model_dump(mode="json")
    raise AssertionError(f"the real API has no answer model for {method} {path}")


def base_status() -> dict:
    return {
        "version": "0.1.0",
        "paired": True,
        "pairing": {
            "organization": "ООО «Ромашка»",
            "store": "Магазин №1",
            "backoffice_url": "http://127.0.0.1:8765",
            "needs_repair": False,
        },
        "store": {
            "ok": True,
            "checked_at": "2026-11-23T06:00:00+00:00",
            "problem": None,
            "path": "/var/lib/kassa/kassa.db",
        },
        "printer": {
            "state": "ready",
            "model": "ШТРИХ-М-01Ф",
            "profile": "shtrih-m-01f",
            "port": "/tmp/kkt",
            "mode": 2,
            "message": None,
        },
        "receipt_printer": {
            "state": "ready",
            "model": "Epson TM-T20II",
            "profile": "epson-tm-t20ii",
            "port": "/tmp/escpos",
            "mode": None,
            "message": None,
        },
        "shift": {"open": True, "number": 7, "opened_at": WHEN, "hours_left": 20, "expired": False},
        "queue": {"depth": 0, "oldest_age_seconds": None},
        "streams": {
            "receipts": {"interval": None, "last_success": WHEN, "last_error": None, "next_run": None},
            "products": {"interval": 900, "last_success": WHEN, "last_error": None, "next_run": WHEN},
            "employees": {"interval": 3600, "last_success": WHEN, "last_error": None, "next_run": WHEN},
            "orders": {"interval": 60, "last_success": WHEN, "last_error": None, "next_run": WHEN},
        },
        "products": {"count": len(PRODUCTS), "product_sync": True},
        "fn": {"unsent": 0, "oldest_unsent_at": None, "days_left": 30},
    }


class FakeDaemon:
    def __init__(self, paired: bool = True) -> None:
        self.status = base_status()
        if not paired:
            self.status["paired"] = False
            self.status["pairing"] = None
        self.settings = {"products": 900, "employees": 3600, "orders": 60, "product_sync": True}
        self.receipts: list[dict] = []
        self.orders = [
            {
                "id": 1,
                "source": "backoffice",
                "marketplace": "allegro",
                "remote_id": "A-1001",
                "status": "waiting",
                "currency": "RUB",
                "total": 17980,
                "buyer": {"name": "Мария", "email": "maria@example.com", "phone": ""},
                "lines": [{"code": "MILK-1L", "name": "Молоко 3,2% 1 л", "quantity": "2.000", "price": 8990}],
                "received_at": WHEN,
                "reason": None,
            }
        ]
        self.accounts = [
            {
                "id": 1,
                "marketplace": "allegro",
                "name": "Sklep [główny]",
                "active": True,
                "interval": 300,
                "auto_fiscalize": False,
                "payment_kind": "card",
                "state": "connected",
                "reason": None,
                "token_expires_at": "2026-11-23T21:30:00+00:00",
                "token_valid": True,
                "last_import_at": WHEN,
                "last_error": None,
                "waiting_orders": 1,
            },
            {
                "id": 2,
                "marketplace": "allegro",
                "name": "Outlet",
                "active": True,
                "interval": "never",
                "auto_fiscalize": True,
                "payment_kind": "cash",
                "state": "reconnect",
                "reason": "Allegro refused the refresh token (it was revoked, expired or already used)",
                "token_expires_at": "2026-11-22T21:30:00+00:00",
                "token_valid": False,
                "last_import_at": None,
                "last_error": None,
                "waiting_orders": 0,
            },
        ]
        self.flow: dict | None = None
        self.fail_next: list[DaemonError] = []
        self.fail_after_next: list[DaemonError] = []  # done, then the answer is lost (e.g. a 507)
        self.calls: list[tuple[str, str, Any]] = []
        self.synced = 0
        self.sold_marks: set[str] = set()
        self.marks_offline = False

    def add_receipt(self, lines: list[dict], payments: list[dict], kind: str = "sale", original=None) -> dict:
        total = sum(line["amount"] for line in lines)
        change = max(0, sum(p["amount"] for p in payments) - total)
        receipt = {
            "id": len(self.receipts) + 1,
            "uuid": f"u{len(self.receipts) + 1}",
            "type": kind,
            "status": "fiscalized",
            "fd": 100 + len(self.receipts) + 1,
            "fiscal_sign": "1234567890",
            "shift": 7,
            "total": total,
            "created_at": WHEN,
            "fiscalized_at": WHEN,
            "cashier": {"name": "Петров Сергей", "inn": None},
            "buyer_contact": None,
            "lines": lines,
            "payments": [{**p, "change": change if p["kind"] == "cash" else 0} for p in payments],
            "original_id": original,
            "change": change,
            "error": None,
        }
        self.receipts.insert(0, receipt)
        return receipt

    def document(self, kind: str, body: dict | None, total: int = 0) -> dict:
        """A shift or cash document as the journal shows it."""
        return {
            "id": 900 + len(self.calls),
            "uuid": (body or {}).get("uuid") or f"doc-{len(self.calls)}",
            "type": kind,
            "status": "fiscalized",
            "total": total,
            "fd": 300 + len(self.calls),
        }

    def shift(self) -> dict:
        sales = [r for r in self.receipts if r["type"] == "sale"]
        return {
            **self.status["shift"],
            "totals": {
                "sale": {"count": len(sales), "total": sum(r["total"] for r in sales)},
                "return": {"count": 0, "total": 0},
                "cash_in": {"count": 0, "total": 0},
                "cash_out": {"count": 0, "total": 0},
            },
        }

    def handle(self, method: str, path: str, body: Any, params: dict) -> Any:
        self.calls.append((method, path, body))
        if self.fail_next and method == "POST" and path != "/v1/login":
            raise self.fail_next.pop(0)
        answer = through_contract(method, path, self.answer(method, path, body, params))
        if self.fail_after_next and method == "POST" and path != "/v1/login":
            raise self.fail_after_next.pop(0)
        return answer

    def check_mark(self, body: dict) -> dict:
        """The FN's answer as the emulated register gives it: a code with FORGED in its serial is
        forged, one in ``sold_marks`` already sold, any other valid (offline: ``marks_offline``)."""
        code = body["code"]
        gtin, serial = code[2:16], code[18:].split("\x1d")[0]
        verdict = "valid"
        if "FORGED" in serial:
            verdict = "invalid"
        elif code in self.sold_marks:
            verdict = "status_incorrect"
        elif self.marks_offline:
            verdict = "not_checked_online"
        words = {
            "valid": "the code is valid: the unit may be sold",
            "invalid": "the code is not valid (the FN found its crypto tail false): do not sell this unit",
            "status_incorrect": "the marking system refuses this unit's status (already sold): do not sell",
            "not_checked_online": "the code could not be checked online: the rules let the unit be sold",
        }
        return {
            "code": code,
            "gtin": gtin,
            "serial": serial,
            "product": body.get("product"),
            "verdict": verdict,
            "allowed": verdict in ("valid", "not_checked_online"),
            "message": words[verdict],
            "result": 15 if verdict == "valid" else 0,
            "local": "invalid" if verdict == "invalid" else "valid",
            "online": "not_checked" if verdict == "not_checked_online" else "status_correct",
        }

    def answer(self, method: str, path: str, body: Any, params: dict) -> Any:
        if (method, path) == ("GET", "/v1/status"):
            return copy.deepcopy(self.status)
        if (method, path) == ("POST", "/v1/login"):
            employee = EMPLOYEES.get(body["pin"])
            if employee is None:
                raise DaemonError("pin_wrong", "Wrong PIN", 403)
            role = role_of(employee["role"])
            return {
                "token": f"token-{employee['id']}",
                "employee": employee,
                "role": role,
                "allowed": allowed_routes(role),
                "idle_seconds": 43200,
            }
        if (method, path) == ("POST", "/v1/logout"):
            return {"logged_out": True}
        if (method, path) == ("GET", "/v1/products"):
            query = params.get("q", "").lower()
            found = [
                p
                for p in PRODUCTS
                if query in p["name"].lower() or query == p["code"].lower() or query in p["barcodes"]
            ]
            return {"items": found, "total": len(PRODUCTS), "product_sync": self.settings["product_sync"]}
        if (method, path) == ("POST", "/v1/marks/check"):
            return self.check_mark(body)
        if (method, path) == ("POST", "/v1/receipts"):
            known = next((r for r in self.receipts if r["uuid"] == body["uuid"]), None)
            if known is not None:  # the daemon's idempotency: the first result again
                return known
            lines = []
            for line in body["lines"]:
                product = next(p for p in PRODUCTS if p["code"] == line["code"])
                quantity = Decimal(line["quantity"])
                amount = int(quantity * product["price"]) - line["discount"]
                lines.append(
                    {
                        "code": product["code"],
                        "name": product["name"],
                        "quantity": line["quantity"],
                        "price": product["price"],
                        "discount": line["discount"],
                        "amount": amount,
                        "marks": [
                            {"code": c, "verdict": "valid", "result": 15} for c in line.get("marks") or []
                        ]
                        or None,
                    }
                )
                if line.get("marks"):  # as the daemon: a marked line says whether it was measured
                    lines[-1]["measured"] = bool(product["weighted"])
            self.status["queue"]["depth"] += 1
            receipt = self.add_receipt(lines, body["payments"])
            receipt["uuid"] = body["uuid"]
            return receipt
        if method == "GET" and path == "/v1/receipts":
            return {"items": copy.deepcopy(self.receipts)}
        if method == "GET" and path.startswith("/v1/receipts/"):
            number = int(path.rsplit("/", 1)[1])
            return next(r for r in self.receipts if r["id"] == number)
        if method == "POST" and path.endswith("/return"):
            known = next((r for r in self.receipts if r["uuid"] == body["uuid"]), None)
            if known is not None:
                return known
            number = int(path.split("/")[3])
            original = next(r for r in self.receipts if r["id"] == number)
            receipt = self.add_receipt(copy.deepcopy(original["lines"]), [], "return", number)
            receipt["uuid"] = body["uuid"]
            return receipt
        if method == "POST" and path.endswith("/copy"):
            return {"printed": True, "device": "receipt_printer", "receipt_id": int(path.split("/")[3])}
        if (method, path) == ("POST", "/v1/shift/open"):
            self.status["shift"] = {"open": True, "number": 8, "opened_at": WHEN, "hours_left": 24}
            return {"document": self.document("open_shift", body), "shift": self.shift()}
        if (method, path) == ("POST", "/v1/shift/close"):
            self.status["shift"] = {"open": False, "number": 8}
            return {"document": self.document("close_shift", body), "shift": self.shift()}
        if (method, path) == ("POST", "/v1/reports/x"):
            return {"shift": self.shift()}
        if method == "POST" and path in ("/v1/cash/in", "/v1/cash/out"):
            kind = "cash_" + path.rsplit("/", 1)[1]
            return {"document": self.document(kind, body, body["amount"]), "shift": self.shift()}
        if (method, path) == ("GET", "/v1/shift"):
            return self.shift()
        if (method, path) == ("GET", "/v1/orders"):  # as the daemon pages them: newest first
            rows = sorted(self.orders, key=lambda order: order["id"], reverse=True)
            rows = [o for o in rows if params.get("status") in (None, o["status"])]
            rows = [o for o in rows if not params.get("before_id") or o["id"] < int(params["before_id"])]
            return {"items": copy.deepcopy(rows[: int(params.get("limit", 200))])}
        if method == "POST" and path.startswith("/v1/orders/"):
            order = next(o for o in self.orders if o["id"] == int(path.split("/")[3]))
            order["status"] = "fiscalized" if path.endswith("fiscalize") else "rejected"
            if order["status"] == "rejected":
                return {"order": order}
            receipt = {"uuid": f"order-{order['id']}", "fd": 200, "fiscal_sign": "1", "total": order["total"]}
            return {"order": order, "receipt": receipt, "replayed": False}
        if (method, path) == ("POST", "/v1/pairing"):
            if body["code"] != "ABCD-EFGH-J":
                raise DaemonError("code_unknown", "Unknown or used sync code", 404)
            self.status = base_status()
            return {"paired": True, "pairing": self.status["pairing"]}
        if (method, path) == ("GET", "/v1/sync/settings"):
            return dict(self.settings)
        if (method, path) == ("PUT", "/v1/sync/settings"):
            if body["product_sync"] != self.settings["product_sync"] and not body.get("confirm"):
                raise DaemonError("confirmation_required", "Confirm", 409)
            self.settings = {k: v for k, v in body.items() if k != "confirm"}
            return dict(self.settings)
        if (method, path) == ("POST", "/v1/sync"):
            self.synced += 1
            self.status["queue"]["depth"] = 0
            return {
                "results": [
                    {"stream": name, "moved": 0, "ok": True, "error": None}
                    for name in ("receipts", "products", "employees", "orders")
                ]
            }
        if (method, path) == ("GET", "/v1/documents"):
            return {"items": [], "counts": {}}
        if (method, path) == ("POST", "/v1/devices/test"):
            return {"printed": True, "device": "receipt_printer", "profile": "epson-tm-t20ii"}
        if path.startswith("/v1/marketplace/"):
            return self.marketplace(method, path, body)
        raise DaemonError("not_found", f"no route {method} {path}", 404)

    def marketplace(self, method: str, path: str, body: Any) -> Any:
        if (method, path) == ("GET", "/v1/marketplace/accounts"):
            # the daemon answers reasons in the caller's language
            listed = copy.deepcopy(self.accounts)
            for account in listed:
                account["reason"] = account["reason"] and translate(account["reason"], None)
            return {"items": listed}
        if (method, path) == ("POST", "/v1/marketplace/accounts"):
            link = "https://allegro.pl/skojarz-aplikacje?code=ABCD1234"
            self.flow = {
                "id": "flow-1",
                "state": "pending",
                "user_code": "ABCD1234",
                "verification_uri": "https://allegro.pl/skojarz-aplikacje",
                "verification_uri_complete": link,
                "interval": 5,
                "expires_in": 3600,
                "qr": qr_text(link),
                "account": None,
            }
            return copy.deepcopy(self.flow)
        if method == "GET" and path.startswith("/v1/marketplace/connect/") and self.flow:
            return copy.deepcopy(self.flow)
        if method == "DELETE" and path.startswith("/v1/marketplace/connect/"):
            return None
        if path.startswith("/v1/marketplace/accounts/"):
            account = next(a for a in self.accounts if a["id"] == int(path.rsplit("/", 1)[1]))
            if method == "PATCH":
                account.update(body)
                return copy.deepcopy(account)
            self.accounts.remove(account)
            return None
        raise DaemonError("not_found", f"no route {method} {path}", 404)


class FakeApi(KassaApi):
    """``lookup_delay``: seconds each product lookup takes, so fast scans overtake their answers."""

    def __init__(
        self, daemon: FakeDaemon | None = None, language: str = "en", lookup_delay: float = 0.0
    ) -> None:
        super().__init__("/nonexistent/agent.sock", language=language)
        self.daemon = daemon or FakeDaemon()
        self.lookup_delay = lookup_delay
        # lookups (by their 1-based number) that fail as a connection the daemon closed does
        self.dropped_lookups: set[int] = set()
        self.lookups: list[str] = []  # the queries of every product lookup, in order

    def may(self, route: str) -> bool:
        """An app started with an employee (no login) gets that employee's role's routes."""
        if self.employee and not self.allowed:
            return route in allowed_routes(role_of(self.employee.get("role")))
        return super().may(route)

    async def _request(self, method: str, path: str, *, device: bool = False, **kwargs) -> Any:
        if path == "/v1/products":
            self.lookups.append((kwargs.get("params") or {}).get("q", ""))
            if self.lookup_delay:
                await asyncio.sleep(self.lookup_delay)
            if len(self.lookups) in self.dropped_lookups:
                raise DaemonError(
                    "daemon_disconnected",
                    "the kassa daemon closed the connection: Server disconnected",
                    outcome_unknown=True,
                )
        return copy.deepcopy(self.daemon.handle(method, path, kwargs.get("json"), kwargs.get("params") or {}))
