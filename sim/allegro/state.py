"""What the fake Allegro remembers: device codes, token pairs, sellers, their orders and events.

Written from Allegro's public REST API documentation: the device flow (RFC 8628 with Basic client
authentication), access tokens that expire and refresh tokens that rotate on every refresh (the old
one answers ``invalid_grant`` at once), an event journal per seller, checkout forms with decimal
string amounts, fulfillment updates, and 404 for a purchase merged into another. Everything is in
memory behind one lock; the HTTP face is ``sim.allegro.app``.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

USER_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _money(amount: Decimal | str, currency: str) -> dict:
    return {"amount": f"{Decimal(amount):.2f}", "currency": currency}


@dataclass
class DeviceCode:
    device_code: str
    user_code: str
    client_id: str
    expires_at: float
    interval: float
    state: str = "pending"  # pending | approved | denied | used
    login: str | None = None
    last_poll: float | None = None
    slow_downs: int = 0  # answer slow_down this many more times (a server under load)
    polls: list[float] = field(default_factory=list)


@dataclass
class Fault:
    path: str  # a path prefix, e.g. /order/events
    status: int
    times: int
    retry_after: int | None = None
    delay: float = 0.0  # seconds to wait before answering (a slow or stuck server)


class FakeAllegro:
    """The state of one fake Allegro; every method takes the lock."""

    def __init__(
        self,
        *,
        client_id: str = "kassa-demo",
        client_secret: str = "kassa-demo-secret",
        interval: float = 5,
        device_ttl: float | str = 600,
        token_ttl: object = 43199,  # seconds, sent as is
        auto_approve: str | None = None,
        clock: Callable[[], float] = time.time,
    ):
        self.client_id = client_id
        self.client_secret = client_secret
        self.interval = interval
        self.device_ttl = device_ttl
        self.token_ttl = token_ttl
        self.auto_approve = auto_approve  # a seller login: every device code is approved at once
        self.clock = clock
        self.lock = threading.RLock()
        self.devices: dict[str, DeviceCode] = {}
        self.access: dict[str, tuple[str, float]] = {}  # access token -> (login, expires at)
        self.refresh: dict[str, str] = {}  # live refresh token -> login
        self.orders: dict[str, dict[str, dict]] = {}  # login -> checkout form id -> form
        self.merged: set[str] = set()  # ids of purchases merged into another (404)
        self.events: dict[str, list[dict]] = {}  # login -> events, oldest first
        self.faults: list[Fault] = []
        self.calls: list[tuple[float, str, str]] = []  # (time, method, path?query)
        self.fulfillments: list[tuple[str, str]] = []  # (checkout form id, status) as PUT
        self._event_seq = 0

    # ---- the device flow ---------------------------------------------------------------------
    def start_device(self, client_id: str) -> DeviceCode:
        with self.lock:
            code = DeviceCode(
                device_code=secrets.token_urlsafe(24),
                user_code="".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(8)),
                client_id=client_id,
                expires_at=self.clock() + (600 if isinstance(self.device_ttl, str) else self.device_ttl),
                interval=self.interval,
            )
            if self.auto_approve:
                code.state, code.login = "approved", self.auto_approve
            self.devices[code.device_code] = code
            return code

    def by_user_code(self, user_code: str) -> DeviceCode | None:
        wanted = user_code.replace("-", "").upper()
        with self.lock:
            for code in self.devices.values():
                if code.user_code == wanted:
                    return code
        return None

    def decide(self, user_code: str, approve: bool, login: str = "demo-seller") -> bool:
        with self.lock:
            code = self.by_user_code(user_code)
            if code is None or code.state != "pending":
                return False
            code.state, code.login = ("approved", login) if approve else ("denied", None)
            return True

    def poll(self, device_code: str, client_id: str) -> tuple[str, dict]:
        """One poll of the token endpoint: ("ok", tokens) or ("error", {"error": ...})."""
        with self.lock:
            now = self.clock()
            code = self.devices.get(device_code)
            if code is None or code.client_id != client_id or code.state == "used":
                return "error", {"error": "invalid_grant", "error_description": "Invalid device code"}
            code.polls.append(now)
            too_soon = code.last_poll is not None and now - code.last_poll < code.interval * 0.9
            code.last_poll = now
            if now >= code.expires_at:
                return "error", {"error": "expired_token", "error_description": "Device code expired"}
            if code.slow_downs > 0 or too_soon:
                code.slow_downs = max(0, code.slow_downs - 1)
                return "error", {"error": "slow_down", "error_description": "Polling too frequently"}
            if code.state == "denied":
                return "error", {"error": "access_denied", "error_description": "User denied access"}
            if code.state == "pending":
                return "error", {"error": "authorization_pending", "error_description": "Pending"}
            code.state = "used"
            return "ok", self._issue(code.login)

    # ---- tokens ------------------------------------------------------------------------------
    def _issue(self, login: str) -> dict:
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        ttl = self.token_ttl if isinstance(self.token_ttl, int | float) else 43199
        self.access[access] = (login, self.clock() + ttl)
        self.refresh[refresh] = login
        self.orders.setdefault(login, {})
        self.events.setdefault(login, [])
        return {
            "access_token": access,
            "token_type": "bearer",
            "refresh_token": refresh,
            "expires_in": self.token_ttl,
            "scope": "allegro:api:orders:read allegro:api:orders:write",
            "allegro_api": True,
            "jti": str(uuid.uuid4()),
        }

    def refresh_pair(self, refresh_token: str) -> dict | None:
        """Rotate: the refresh token is spent now, whether or not the answer reaches the client."""
        with self.lock:
            login = self.refresh.pop(refresh_token, None)
            if login is None:
                return None
            return self._issue(login)

    def seller(self, access_token: str) -> str | None:
        with self.lock:
            found = self.access.get(access_token)
            if found is None or found[1] <= self.clock():
                return None
            return found[0]

    def expire_access_tokens(self) -> None:
        """Every access token issued so far has run out (tests: as if 12 hours went by)."""
        with self.lock:
            for token, (login, _) in list(self.access.items()):
                self.access[token] = (login, 0)

    # ---- orders and events ---------------------------------------------------------------------
    def _event(self, login: str, kind: str, form_id: str) -> None:
        self._event_seq += 1
        self.events.setdefault(login, []).append(
            {
                "id": str(self._event_seq),
                "type": kind,
                "occurredAt": _iso(self.clock()),
                "order": {"checkoutForm": {"id": form_id}, "buyer": {"login": "buyer"}},
            }
        )

    def add_order(
        self,
        login: str = "demo-seller",
        *,
        lines: list[tuple[str | None, str, int, str]] = (("SKU-1", "Item", 1, "10.00"),),
        currency: str = "PLN",
        status: str = "READY_FOR_PROCESSING",
        paid: bool = True,
        email: str | None = "buyer@allegromail.pl",
        phone: str | None = "+48500600700",
        events: tuple[str, ...] | None = None,
    ) -> str:
        """A purchase; ``lines`` are (external id or None, offer name, quantity, unit price as text).

        ``events`` are the journal entries written for it (default: BOUGHT, FILLED_IN and, when it
        is ready, READY_FOR_PROCESSING); ``()`` writes none, so only the sweep can find it.
        """
        with self.lock:
            form_id = str(uuid.uuid4())
            total = sum(Decimal(price) * quantity for _code, _name, quantity, price in lines)
            now = _iso(self.clock())
            form = {
                "id": form_id,
                "messageToSeller": None,
                "buyer": {
                    "id": secrets.token_hex(6),
                    "email": email,
                    "login": "buyer" + secrets.token_hex(2),
                    "firstName": "Jan",
                    "lastName": "Kowalski",
                    "companyName": None,
                    "guest": False,
                    "phoneNumber": phone,
                },
                "payment": {
                    "id": str(uuid.uuid4()),
                    "type": "ONLINE",
                    "provider": "P24",
                    "finishedAt": now if paid else None,
                    "paidAmount": _money(total if paid else 0, currency),
                },
                "status": status,
                "fulfillment": {"status": "NEW", "shipmentSummary": {"lineItemsSent": "NONE"}},
                "delivery": {
                    "method": {"id": "pickup", "name": "Odbiór osobisty"},
                    "cost": _money(0, currency),
                },
                "lineItems": [
                    {
                        "id": str(uuid.uuid4()),
                        "offer": {
                            "id": str(10_000_000 + index),
                            "name": name,
                            "external": {"id": code} if code is not None else None,
                        },
                        "quantity": quantity,
                        "originalPrice": _money(price, currency),
                        "price": _money(price, currency),
                        "boughtAt": now,
                    }
                    for index, (code, name, quantity, price) in enumerate(lines)
                ],
                "summary": {"totalToPay": _money(total, currency)},
                "updatedAt": now,
                "revision": secrets.token_hex(4),
            }
            self.orders.setdefault(login, {})[form_id] = form
            if events is None:
                events = ("BOUGHT", "FILLED_IN") + (
                    ("READY_FOR_PROCESSING",) if status == "READY_FOR_PROCESSING" else ()
                )
            for kind in events:
                self._event(login, kind, form_id)
            return form_id

    def merge(self, form_id: str) -> None:
        """The buyer's purchases were merged: this id answers 404 from now on."""
        with self.lock:
            self.merged.add(form_id)

    def cancel(self, login: str, form_id: str) -> None:
        with self.lock:
            form = self.orders[login][form_id]
            form["status"] = "CANCELLED"
            form["revision"] = secrets.token_hex(4)
            self._event(login, "BUYER_CANCELLED", form_id)

    def events_after(self, login: str, after: str | None, limit: int) -> list[dict] | None:
        """Events after ``after`` (None: from the start); None when ``after`` is not an event id."""
        with self.lock:
            events = self.events.get(login, [])
            if after is None:
                return events[:limit]
            for index, event in enumerate(events):
                if event["id"] == after:
                    return events[index + 1 : index + 1 + limit]
            return None

    def form(self, login: str, form_id: str) -> dict | None:
        with self.lock:
            if form_id in self.merged:
                return None
            return self.orders.get(login, {}).get(form_id)

    def forms(self, login: str, status: str | None, fulfillment: str | None = None) -> list[dict]:
        with self.lock:
            return [
                form
                for form_id, form in self.orders.get(login, {}).items()
                if form_id not in self.merged
                and (status is None or form["status"] == status)
                and (fulfillment is None or form["fulfillment"]["status"] == fulfillment)
            ]

    def set_fulfillment(self, login: str, form_id: str, status: str, revision: str | None) -> str:
        """ "ok", "missing" or "conflict" (a stale revision)."""
        with self.lock:
            form = self.form(login, form_id)
            if form is None:
                return "missing"
            if revision is not None and revision != form["revision"]:
                return "conflict"
            form["fulfillment"]["status"] = status
            form["revision"] = secrets.token_hex(4)
            self.fulfillments.append((form_id, status))
            self._event(login, "FULFILLMENT_STATUS_CHANGED", form_id)
            return "ok"

    # ---- faults and the call log -------------------------------------------------------------
    def add_fault(
        self, path: str, status: int, times: int = 1, retry_after: int | None = None, delay: float = 0.0
    ) -> None:
        """The next ``times`` calls under ``path`` answer ``status`` (0: answer normally) after ``delay``."""
        with self.lock:
            self.faults.append(Fault(path, status, times, retry_after, delay))

    def take_fault(self, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if path.startswith(fault.path) and fault.times > 0:
                    fault.times -= 1
                    return fault
            return None

    def record(self, method: str, target: str) -> None:
        with self.lock:
            self.calls.append((self.clock(), method, target))

    def api_calls(self, since: int = 0) -> list[tuple[float, str, str]]:
        """Calls to the REST API (not the OAuth endpoints, not the fake's control)."""
        with self.lock:
            return [call for call in self.calls[since:] if not call[2].startswith(("/auth/", "/_fake/"))]
