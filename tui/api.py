"""The TUI's only door to the daemon: every local-API call, and the shape of its answer, lives here.

HTTP/JSON over the daemon's unix socket (docs/architecture.md). Errors arrive as
``{"error": {"code", "message"}}`` already translated for our ``Accept-Language`` and are raised as
``agent.client.DaemonError``; a socket nobody answers on is ``DaemonNotRunning``.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel, ValidationError

from agent.api import schemas
from agent.client import (
    CLIENT_LIMITS,
    DaemonError,
    DaemonNotRunning,
    answer,
    transport_error,
    unexpected_answer,
)

__all__ = ["DaemonError", "DaemonNotRunning", "KassaApi", "parsed"]

# the register may take minutes: opening a shift up to 120 s, Z report ~65 s
DEVICE_TIMEOUT = 180.0
CLOSE_GRACE = 5.0  # seconds the app waits at exit for requests still on the wire
ORDERS_SHOWN = 200  # the newest orders of any state on the orders screen
ORDERS_PAGE = 1000  # the daemon's largest page of orders
WAITING_SHOWN = 5000  # orders waiting for the cashier, however old: none may drop out of sight


def parsed(model: type[BaseModel], answer: Any) -> dict:
    """The daemon's answer checked against the contract (``agent.api.schemas``), as plain data for
    the screens; an answer that does not fit is a clear error here, not a KeyError in a screen."""
    try:
        return model.model_validate(answer).model_dump(mode="json")
    except ValidationError as exc:
        raise unexpected_answer(model.__name__, exc) from None


def _settled(in_flight: set[asyncio.Task]):
    def done(task: asyncio.Task) -> None:
        in_flight.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: an abandoned request's error is not "never retrieved"

    return done


class KassaApi:
    """Async client of the local API, one per app; the session of the employee logged in travels with
    every call as a bearer token, and the daemon signs documents with that employee."""

    def __init__(self, socket: Path | str, language: str = "en", timeout: float = 30.0):
        self.socket = Path(socket)
        self.employee: dict | None = None
        self.token: str | None = None
        self.allowed: frozenset[str] = frozenset()  # "METHOD /path" the daemon lets this session call
        self.mark_substitutes: tuple[str, ...] = ()  # what the shop's scanners send for GS ([marking])
        self._http = httpx.AsyncClient(
            transport=httpx.AsyncHTTPTransport(uds=str(self.socket), limits=CLIENT_LIMITS),
            base_url="http://kassa",
            timeout=timeout,
            headers={"Accept-Language": language},
        )
        self._in_flight: set[asyncio.Task] = set()

    async def close(self) -> None:
        if self._in_flight:
            await asyncio.wait(self._in_flight, timeout=CLOSE_GRACE)
        await self._http.aclose()

    async def _send(self, method: str, path: str, **kwargs) -> httpx.Response:
        """One request, shielded from the cancellation of the worker that asked for it.

        A worker is cancelled when a newer one replaces it or its screen goes away; cancelling
        a read on a unix-socket connection and then closing it trips anyio (agronholm/anyio#1267:
        InvalidStateError on the event loop). The request finishes on its own instead and its
        connection goes back to the pool; ``close`` waits for such requests before closing.
        """
        task = asyncio.ensure_future(self._http.request(method, path, **kwargs))
        self._in_flight.add(task)
        task.add_done_callback(_settled(self._in_flight))
        return await asyncio.shield(task)

    async def _call(self, model: type[BaseModel], method: str, path: str, **kwargs) -> dict:
        return parsed(model, await self._request(method, path, **kwargs))

    async def _request(self, method: str, path: str, *, device: bool = False, **kwargs) -> Any:
        if device:
            kwargs["timeout"] = DEVICE_TIMEOUT
        if self.token:
            kwargs["headers"] = {**kwargs.get("headers", {}), "Authorization": f"Bearer {self.token}"}
        try:
            response = await self._send(method, path, **kwargs)
        except (httpx.TransportError, OSError) as exc:
            seconds = kwargs.get("timeout") or self._http.timeout.read
            raise transport_error(exc, self.socket, seconds) from None
        return answer(response)

    # -- state ----------------------------------------------------------------------------------
    async def status(self) -> dict:
        return await self._call(schemas.Status, "GET", "/v1/status")

    # -- employees ------------------------------------------------------------------------------
    async def login(self, pin: str) -> dict:
        """The employee with this PIN: ``{"name", "role", ...}``; the daemon checks the PIN offline and
        opens a session for them."""
        answer = await self._call(schemas.LoginAnswer, "POST", "/v1/login", json={"pin": pin})
        self.adopt(answer)
        return self.employee or {}

    def adopt(self, session: dict) -> None:
        """Use a session the daemon answered to a login (``token``, ``employee``, ``allowed``)."""
        self.token = session.get("token") or self.token
        self.employee = session.get("employee")
        self.allowed = frozenset(session.get("allowed") or ())

    async def logout(self) -> None:
        """Forget the session here at once, then on the daemon (a daemon that is away forgot it anyway)."""
        token, self.token, self.employee, self.allowed = self.token, None, None, frozenset()
        if token:
            with contextlib.suppress(DaemonError):
                await self._request("POST", "/v1/logout", headers={"Authorization": f"Bearer {token}"})

    def may(self, route: str) -> bool:
        """Whether this session may call ``route`` ("POST /v1/cash/out"), as the daemon said at login."""
        return route in self.allowed

    # -- catalog --------------------------------------------------------------------------------
    async def products(self, query: str, limit: int = 20) -> list[dict]:
        """Products whose name, code or barcode matches, as ``{"code", "name", "price", "unit",
        "barcodes", ...}``."""
        answer = await self._call(
            schemas.Products, "GET", "/v1/products", params={"q": query, "limit": limit}
        )
        return answer["items"]

    async def check_mark(self, code: str, product: str | None = None, kind: str = "sale") -> dict:
        """The FN's check of a scanned marking code (for a ``sale`` or a ``return``), with what the
        cashier is told in words."""
        body = {"code": code, "product": product, "kind": kind}
        return await self._call(schemas.MarkCheckAnswer, "POST", "/v1/marks/check", json=body, device=True)

    async def add_product(self, product: dict) -> dict:
        """A product of the register's own (only while product sync is off; 409 says why otherwise)."""
        return await self._call(schemas.Product, "POST", "/v1/products", json=product)

    # -- receipts -------------------------------------------------------------------------------
    async def sell(self, sale: dict) -> dict:
        """Fiscalize a sale; the same uuid again returns the first result (safe to retry)."""
        return await self._call(schemas.Document, "POST", "/v1/receipts", json=sale, device=True)

    async def receipts(self, limit: int = 200) -> list[dict]:
        answer = await self._call(schemas.Receipts, "GET", "/v1/receipts", params={"limit": limit})
        return answer["items"]

    async def receipt(self, receipt_id: int | str) -> dict:
        return await self._call(schemas.Document, "GET", f"/v1/receipts/{receipt_id}")

    async def return_receipt(self, receipt_id: int | str, uuid: str, lines: list[dict] | None = None) -> dict:
        """Return the whole receipt (lines=None) or the given ``[{"position", "quantity"}]``."""
        body: dict[str, Any] = {"uuid": uuid}
        if lines is not None:
            body["lines"] = lines
        path = f"/v1/receipts/{receipt_id}/return"
        return await self._call(schemas.Document, "POST", path, json=body, device=True)

    async def correct(self, body: dict, uuid: str) -> dict:
        """A correction receipt (``POST /v1/corrections``); the same uuid again returns the first one."""
        path = "/v1/corrections"
        return await self._call(schemas.Document, "POST", path, json={**body, "uuid": uuid}, device=True)

    async def print_copy(self, receipt_id: int | str) -> Any:
        return await self._call(schemas.Printed, "POST", f"/v1/receipts/{receipt_id}/copy", device=True)

    # -- shift ----------------------------------------------------------------------------------
    async def shift(self) -> dict:
        """``{"open", "number", "opened_at", "hours_left", "expired", "totals": {kind: {count, total}}}``"""
        return await self._call(schemas.Shift, "GET", "/v1/shift")

    async def open_shift(self, uuid: str) -> dict:
        return await self._call(
            schemas.ShiftDocument, "POST", "/v1/shift/open", json={"uuid": uuid}, device=True
        )

    async def close_shift(self, uuid: str) -> dict:
        """The Z report."""
        return await self._call(
            schemas.ShiftDocument, "POST", "/v1/shift/close", json={"uuid": uuid}, device=True
        )

    async def x_report(self) -> dict:
        return await self._call(schemas.XReport, "POST", "/v1/reports/x", device=True)

    async def cash(self, kind: str, amount: int, uuid: str) -> dict:
        """Cash in (``kind="in"``) or out (``"out"``) of the drawer."""
        body = {"uuid": uuid, "amount": amount}
        return await self._call(schemas.ShiftDocument, "POST", f"/v1/cash/{kind}", json=body, device=True)

    # -- marketplace orders ---------------------------------------------------------------------
    async def orders(self) -> list[dict]:
        """``[{"id", "source", "remote_id", "marketplace", "status": "waiting"|"fiscalized"|"settled"|
        "rejected"|"cancelled"|"unsupported", "currency", "total", "buyer", "lines", "reason",
        "receipt_uuid", "received_at"}]``: every order that waits for the cashier, however many
        newer ones came after it (up to ``WAITING_SHOWN``), and the newest ``ORDERS_SHOWN`` others."""
        waiting: list[dict] = []
        params: dict = {"status": "waiting", "limit": ORDERS_PAGE}
        while len(waiting) < WAITING_SHOWN:
            page = (await self._call(schemas.Orders, "GET", "/v1/orders", params=params))["items"]
            waiting += page
            if len(page) < ORDERS_PAGE:
                break
            params["before_id"] = page[-1]["id"]
        newest = (await self._call(schemas.Orders, "GET", "/v1/orders", params={"limit": ORDERS_SHOWN}))[
            "items"
        ]
        shown = {order["id"] for order in waiting}
        others = [order for order in newest if order["id"] not in shown]
        return sorted(waiting + others, key=lambda order: order["id"], reverse=True)

    async def fiscalize_order(
        self, order_id: int | str, pay: str = "card", marks: list[dict] | None = None
    ) -> dict:
        """Never twice: the daemon derives the receipt's uuid from the order. A zero-total order is
        settled without a receipt (``receipt`` null). ``marks``: the codes of the order's marked
        goods, ``[{"position", "codes"}]``."""
        path = f"/v1/orders/{order_id}/fiscalize"
        body = {"pay": pay, **({"marks": marks} if marks else {})}
        return await self._call(schemas.Fiscalized, "POST", path, json=body, device=True)

    async def reject_order(self, order_id: int | str, reason: str) -> dict:
        return await self._call(
            schemas.OrderAnswer, "POST", f"/v1/orders/{order_id}/reject", json={"reason": reason}
        )

    async def pick_order_product(self, order_id: int | str, position: int, code: str) -> dict:
        """The cashier's product for order line ``position`` (1-based) whose SKU matched none;
        answers the order as ``orders()`` shows it."""
        path = f"/v1/orders/{order_id}/lines/{position}"
        return (await self._call(schemas.OrderAnswer, "POST", path, json={"code": code}))["order"]

    async def import_orders(self) -> list[dict]:
        """ "Обновить сейчас" for marketplace accounts: per account ``{"account", "ok", "error", ...}``."""
        path = "/v1/marketplace/import"
        return (await self._call(schemas.ImportResults, "POST", path, json={}, timeout=120.0))["results"]

    # -- marketplace accounts -------------------------------------------------------------------
    async def marketplace_accounts(self) -> list[dict]:
        """``[{"id", "marketplace", "name", "active", "interval": seconds|"never", "auto_fiscalize",
        "payment_kind", "state": "connected"|"reconnect", "reason", "token_expires_at", "token_valid",
        "last_import_at", "last_error", "waiting_orders", ...}]``"""
        return (await self._call(schemas.MarketplaceAccounts, "GET", "/v1/marketplace/accounts"))["items"]

    async def connect_marketplace(self, name: str | None = None, marketplace: str = "allegro") -> dict:
        """Start the device flow: ``{"id", "state", "user_code", "verification_uri",
        "verification_uri_complete", "interval", "expires_in", "qr": [row, ...], "account"}``."""
        body: dict[str, Any] = {"marketplace": marketplace}
        if name:
            body["name"] = name
        return await self._call(
            schemas.ConnectFlow, "POST", "/v1/marketplace/accounts", json=body, timeout=60.0
        )

    async def connect_state(self, flow_id: str) -> dict:
        """The flow as ``connect_marketplace`` answered, ``state`` "pending"|"connected"|"failed" and,
        when it failed, ``error: {"code", "message"}``."""
        return await self._call(schemas.ConnectFlow, "GET", f"/v1/marketplace/connect/{flow_id}")

    async def cancel_connect(self, flow_id: str) -> None:
        await self._request("DELETE", f"/v1/marketplace/connect/{flow_id}")

    async def change_marketplace_account(self, account_id: int, changes: dict) -> dict:
        """``changes``: any of ``name``, ``active``, ``interval`` (seconds or "never"),
        ``auto_fiscalize``, ``payment_kind`` ("card"|"cash"); answers the account."""
        path = f"/v1/marketplace/accounts/{account_id}"
        return await self._call(schemas.MarketplaceAccount, "PATCH", path, json=changes)

    async def remove_marketplace_account(self, account_id: int) -> None:
        await self._request("DELETE", f"/v1/marketplace/accounts/{account_id}")

    # -- back office ----------------------------------------------------------------------------
    async def pair(self, code: str, backoffice_url: str | None = None) -> dict:
        """``{"organization", "organization_inn", "store", "store_address", "backoffice_url", ...}``"""
        body: dict[str, Any] = {"code": code}
        if backoffice_url:
            body["backoffice_url"] = backoffice_url
        return (await self._call(schemas.Paired, "POST", "/v1/pairing", json=body, timeout=60.0))["pairing"]

    async def unpair(self) -> dict:
        """Forget the back office's credentials; unsent documents and its address are kept."""
        return await self._call(schemas.Unpaired, "DELETE", "/v1/pairing")

    async def session(self) -> dict:
        """Who is calling: ``{"role": "technician"|"administrator"|"cashier", ...}``; 401 when nobody is."""
        return await self._call(schemas.Session, "GET", "/v1/session")

    async def sync_settings(self) -> dict:
        """``{"products"|"employees"|"orders": seconds|"never", "product_sync", "mass_delete_share",
        "zero_total_orders": "settle"|"hold",
        "confirmation": null | {"mass_delete", "local_products", ...}}``"""
        return await self._call(schemas.SyncSettings, "GET", "/v1/sync/settings")

    async def save_sync_settings(self, settings: dict, confirm: bool = False) -> dict:
        """Save intervals, product sync and zero-total orders; ``confirm`` is the operator's yes to
        deleting local products."""
        keys = ("products", "employees", "orders", "product_sync", "zero_total_orders")
        body = {key: settings[key] for key in keys if key in settings}
        return await self._call(
            schemas.SyncSettings, "PUT", "/v1/sync/settings", json={**body, "confirm": confirm}
        )

    async def answer_product_sync(self, accept: bool) -> dict:
        """The operator's answer to a sync that would delete products ("Синхронизировать товары")."""
        return await self._call(schemas.Confirmed, "POST", "/v1/sync/confirm", json={"accept": accept})

    async def sync_now(self, streams: list[str] | None = None) -> list[dict]:
        """ "Обновить сейчас": every stream (or the given ones) now; per stream ``{"stream", "error"}``."""
        body = {"streams": streams or ["all"]}
        return (await self._call(schemas.SyncResults, "POST", "/v1/sync", json=body, timeout=120.0))[
            "results"
        ]

    async def check_connection(self) -> dict:
        """ "Проверить соединение": ``{"ok", "checks": [{"name", "label", "target", "ok", "latency_ms",
        "message"}]}`` — a real round trip to the back office, each device and each marketplace account."""
        return await self._call(schemas.Checks, "POST", "/v1/check", timeout=60.0)

    async def resend_document(self, document_id: int | str) -> dict:
        """Queue a rejected or conflicting document again (an administrator's action)."""
        return await self._call(schemas.DocumentUpload, "POST", f"/v1/documents/{document_id}/resend")

    async def documents(self, status: str | None = None) -> list[dict]:
        """Upload state per document: ``{"id", "uuid", "type", "fd", "total", "fiscalized_at",
        "upload", "attempts", "last_error", "message"}``; status "problems" = conflict + rejected."""
        params = {"status": status} if status else {}
        return (await self._call(schemas.Documents, "GET", "/v1/documents", params=params))["items"]

    # -- devices --------------------------------------------------------------------------------
    async def test_print(self, device: str = "receipt_printer") -> Any:
        return await self._call(
            schemas.Printed, "POST", "/v1/devices/test", json={"device": device}, device=True
        )
