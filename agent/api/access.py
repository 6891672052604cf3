"""Who is calling the local API and what they may do: the one role table (docs/local-api.md, "Roles").

A peer of uid 0 or of the daemon's own user (read with SO_PEERCRED by the socket's protocol) is the
*technician*: everything, no PIN; that is the CLI and the systemd tooling. Anyone else holds a session
from ``POST /v1/login``: a bearer token bound to one employee, whose role comes from the employee
record on every request (a demotion or deletion synced from the back office takes effect at once).
The token is bound to the employee row as it was at login (``agent.staff.login.identity``: id, remote
id, PIN hash), not to the id alone: SQLite reuses a deleted employee's id for the next one added,
and a PIN reset must end what the old PIN opened. A row that no longer matches ends the session,
answered like an expired one.
A bearer token wins over the peer's uid, so a TUI run as root still acts as the employee logged in;
a token whose session has ended is answered 401 whoever sends it, never taken for the technician:
a client that sends one means to act as its employee, and its documents must not go out under the
default cashier with the technician's rights.

Sessions live in the daemon's memory only: a restart logs everyone out. Keeping them on disk would
leave live credentials in the state directory for a saving of one PIN entry after a rare restart.
"""

from __future__ import annotations

import hmac
import os
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, NamedTuple

from fastapi import Depends, Request
from sqlmodel import select
from starlette.concurrency import run_in_threadpool

from agent.api.errors import ApiError
from agent.api.schemas import MAX_MONEY, CashierRef
from agent.daemon.api_socket import PEER_SCOPE_KEY
from agent.i18n import N_
from agent.staff.login import LoggedIn, identity, logged_in
from agent.store.models import Employee
from common.digits import is_digits

PUBLIC = "public"
CASHIER = "cashier"
ADMINISTRATOR = "administrator"
TECHNICIAN = "technician"
RANK = {PUBLIC: 0, CASHIER: 1, ADMINISTRATOR: 2, TECHNICIAN: 3}
NEEDS = {
    CASHIER: N_("log in first: this needs an employee's PIN (or the session has expired)"),
    ADMINISTRATOR: N_("only an administrator may do this: ask one to log in"),
    TECHNICIAN: N_("only the technician may do this: root or the kassa user, e.g. sudo kassa ..."),
}

MAX_SESSIONS = 64  # a login flood cannot grow the table; the longest idle session goes first
# one employee's logins end only their own older sessions: a cashier logging in again and again
# (a script with their PIN) cannot push the administrator's session out of the table
MAX_SESSIONS_PER_EMPLOYEE = 8


class Rule(NamedTuple):
    role: str  # the least role that may call the route
    action: str  # what it does, for the docs
    # open to everyone while the register has no employees (nobody could log in); only what cannot
    # change where the register reports to: pairing a fresh register is the technician's (sudo kassa tui)
    setup: bool = False


# Every route of the local API. A route missing here is refused for everyone (tests check the app).
ROUTES: dict[str, Rule] = {
    "GET /v1/openapi.json": Rule(PUBLIC, "the API's contract"),
    "GET /v1/status": Rule(PUBLIC, "the register at a glance"),
    "GET /v1/employees": Rule(PUBLIC, "who can log in"),
    "POST /v1/login": Rule(PUBLIC, "log in with a PIN"),
    "POST /v1/logout": Rule(PUBLIC, "end the session"),
    "GET /v1/session": Rule(CASHIER, "who is logged in and what they may do"),
    "GET /v1/products": Rule(CASHIER, "search the catalog"),
    "POST /v1/marks/check": Rule(CASHIER, "check a scanned marking code with the FN"),
    "POST /v1/receipts": Rule(CASHIER, "sell (catalog prices; free price and discounts within limits)"),
    "GET /v1/receipts": Rule(CASHIER, "list receipts"),
    "GET /v1/receipts/{receipt_id}": Rule(CASHIER, "show a receipt"),
    "POST /v1/receipts/{receipt_id}/copy": Rule(CASHIER, "print a copy"),
    "POST /v1/devices/test": Rule(CASHIER, "print a test page"),
    "GET /v1/shift": Rule(CASHIER, "show the shift"),
    "POST /v1/shift/open": Rule(CASHIER, "open the shift"),
    "POST /v1/shift/close": Rule(CASHIER, "close the shift (Z report)"),
    "POST /v1/reports/x": Rule(CASHIER, "X report"),
    "POST /v1/cash/in": Rule(CASHIER, "cash in"),
    "GET /v1/orders": Rule(CASHIER, "list marketplace orders"),
    "POST /v1/orders/{order_id}/fiscalize": Rule(
        CASHIER, "fiscalize an order at its price, with the marking codes of its marked goods"
    ),
    "POST /v1/orders/{order_id}/reject": Rule(CASHIER, "reject an order"),
    "POST /v1/orders/{order_id}/lines/{position}": Rule(
        CASHIER, "pick the product for an unmatched order line"
    ),
    "POST /v1/marketplace/import": Rule(CASHIER, "import marketplace orders now"),
    "POST /v1/sync": Rule(CASHIER, "sync now", setup=True),
    "GET /v1/sync/settings": Rule(CASHIER, "show sync settings", setup=True),
    "GET /v1/documents": Rule(CASHIER, "upload state of documents"),
    "POST /v1/check": Rule(CASHIER, "test the connections now", setup=True),
    "POST /v1/documents/{document_id}/resend": Rule(
        ADMINISTRATOR, "send a rejected or conflicting document again"
    ),
    "POST /v1/receipts/{receipt_id}/return": Rule(ADMINISTRATOR, "return a sale"),
    "POST /v1/corrections": Rule(ADMINISTRATOR, "make a correction receipt"),
    "POST /v1/cash/out": Rule(ADMINISTRATOR, "cash out"),
    "POST /v1/pairing": Rule(ADMINISTRATOR, "pair with a back office"),
    "DELETE /v1/pairing": Rule(ADMINISTRATOR, "unpair"),
    "PUT /v1/sync/settings": Rule(ADMINISTRATOR, "change exchange settings (intervals, zero-total orders)"),
    "POST /v1/sync/confirm": Rule(ADMINISTRATOR, "confirm deleting products"),
    "POST /v1/products": Rule(ADMINISTRATOR, "add a product"),
    "PUT /v1/products/{code}": Rule(ADMINISTRATOR, "change a product"),
    "DELETE /v1/products/{code}": Rule(ADMINISTRATOR, "delete a product"),
    "GET /v1/marketplace/accounts": Rule(ADMINISTRATOR, "list marketplace accounts"),
    "POST /v1/marketplace/accounts": Rule(ADMINISTRATOR, "connect a marketplace account (device flow)"),
    "GET /v1/marketplace/connect/{flow_id}": Rule(ADMINISTRATOR, "follow a connection attempt"),
    "DELETE /v1/marketplace/connect/{flow_id}": Rule(ADMINISTRATOR, "cancel a connection attempt"),
    "PATCH /v1/marketplace/accounts/{account_id}": Rule(ADMINISTRATOR, "change a marketplace account"),
    "DELETE /v1/marketplace/accounts/{account_id}": Rule(ADMINISTRATOR, "disconnect a marketplace account"),
}

# what a cashier may not do inside a route they may call (the sale's own limits)
PRICE_OVERRIDE = Rule(ADMINISTRATOR, "sell a catalog product at another price")
FREE_PRICE = Rule(ADMINISTRATOR, "sell a free-price line (unless [access] cashier_free_price)")
BIG_DISCOUNT = Rule(ADMINISTRATOR, "discount beyond [access] cashier_discount_limit")
ANY_SHIFT = Rule(ADMINISTRATOR, "close a shift another employee opened")


def role_of(employee_role: str | None) -> str:
    """An employee record's role; one we do not know gets the least rights."""
    return ADMINISTRATOR if employee_role == ADMINISTRATOR else CASHIER


def allowed_routes(role: str) -> list[str]:
    return [route for route, rule in ROUTES.items() if RANK[role] >= RANK[rule.role]]


@dataclass(frozen=True)
class Caller:
    role: str  # public (no session), cashier, administrator, technician
    employee: LoggedIn | None = None
    token: str | None = None
    ends: datetime | None = None  # a session's end at the latest (its lifetime)

    @property
    def technician(self) -> bool:
        return self.role == TECHNICIAN

    def may(self, rule: Rule) -> bool:
        return RANK[self.role] >= RANK[rule.role]


@dataclass
class _Session:
    employee_id: int
    identity: str  # the employee row's at login; a row that no longer matches ends the session
    opened: datetime
    last_seen: datetime


class Bound(NamedTuple):
    """What a live session holds: whose it is and when it ends at the latest."""

    employee_id: int
    identity: str
    ends: datetime  # opened + the lifetime, however busy the session


@dataclass
class Sessions:
    """Bearer tokens in memory: token → employee, ended by idle time, by its lifetime (however busy:
    a token copied off the socket must not live for ever), logout, or the employee's removal,
    replacement or PIN change."""

    sessions: OrderedDict[str, _Session] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def open(self, employee: LoggedIn, now: datetime) -> str:
        token = secrets.token_urlsafe(32)
        with self.lock:
            own = [key for key, session in self.sessions.items() if session.employee_id == employee.id]
            for key in own[: max(0, len(own) - MAX_SESSIONS_PER_EMPLOYEE + 1)]:  # the longest idle first
                del self.sessions[key]
            self.sessions[token] = _Session(employee.id, employee.identity, now, now)
            while len(self.sessions) > MAX_SESSIONS:
                self.sessions.popitem(last=False)
        return token

    def touch(self, token: str, now: datetime, idle: timedelta, lifetime: timedelta) -> Bound | None:
        """The session's employee and end, its idle clock restarted; None if unknown or expired (idle
        longer than ``idle``, or opened longer than ``lifetime`` ago: both read from the settings
        on each request, so a shorter one from a config reload applies to sessions already open)."""
        with self.lock:
            session = self.sessions.get(token)
            if session is None:
                return None
            ends = session.opened + lifetime
            if now - session.last_seen > idle or now >= ends:
                del self.sessions[token]
                return None
            session.last_seen = now
            self.sessions.move_to_end(token)
            return Bound(session.employee_id, session.identity, ends)

    def close(self, token: str) -> bool:
        with self.lock:
            return self.sessions.pop(token, None) is not None


def sessions_of(request: Request) -> Sessions:
    state = request.app.state
    if not hasattr(state, "sessions"):
        state.sessions = Sessions()
    return state.sessions


def bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def peer_is_technician(request: Request) -> bool:
    peer = request.scope.get(PEER_SCOPE_KEY)
    return peer is not None and peer[1] in (0, os.getuid())


def _employee(store, employee_id: int, bound: str) -> LoggedIn | None:
    """The session's employee as the record says now; None once deleted, replaced or re-PINned."""
    with store.read() as session:
        row = session.get(Employee, employee_id)
        if row is None or not hmac.compare_digest(identity(row), bound):
            return None
        return logged_in(row)


def _has_employees(store) -> bool:
    with store.read() as session:
        return session.exec(select(Employee.id).limit(1)).first() is not None


async def identify(request: Request) -> Caller:
    ctx = request.app.state.ctx
    token = bearer(request)
    if token is not None:
        access = ctx.settings.config.access
        idle, lifetime = timedelta(hours=access.session_idle_hours), timedelta(hours=access.session_max_hours)
        bound = sessions_of(request).touch(token, ctx.clock(), idle, lifetime)
        if bound is not None:
            employee = await run_in_threadpool(_employee, ctx.store, bound.employee_id, bound.identity)
            if employee is not None:
                return Caller(role_of(employee.role), employee, token, bound.ends)
            sessions_of(request).close(token)
        return Caller(PUBLIC)  # the session ended: log in again
    if peer_is_technician(request):
        return Caller(TECHNICIAN)
    return Caller(PUBLIC)


def login_required() -> ApiError:
    return ApiError(401, "login_required", NEEDS[CASHIER])


def forbidden(rule: Rule) -> ApiError:
    """403 naming the role needed (``details.role``) and, for scripts, the action in English."""
    return ApiError(403, "forbidden", NEEDS[rule.role], details={"role": rule.role, "action": rule.action})


def refuse(caller: Caller, rule: Rule) -> ApiError:
    return login_required() if caller.role == PUBLIC else forbidden(rule)


async def authorize(request: Request) -> Caller:
    """The app-wide dependency: identify the caller and check the route's rule before anything runs."""
    route = request.scope.get("route")
    key = f"{request.method} {getattr(route, 'path', request.url.path)}"
    rule = ROUTES.get(key)
    if rule is None:
        raise ApiError(403, "forbidden", N_("{route} is in no role's table: nobody may call it"), route=key)
    caller = await identify(request)
    request.state.caller = caller
    if caller.may(rule):
        return caller
    if rule.setup and not await run_in_threadpool(_has_employees, request.app.state.ctx.store):
        return caller
    raise refuse(caller, rule)


async def caller_of(request: Request) -> Caller:
    """Who ``authorize`` found (async: no worker thread's hop for an attribute, as in ``agent.api.deps``)."""
    return getattr(request.state, "caller", None) or Caller(PUBLIC)


CallerDep = Annotated[Caller, Depends(caller_of)]


def default_cashier(config) -> CashierRef | None:
    """Who signs documents made without a login: ``[access] default_cashier`` (a name or an id)."""
    value = config.access.default_cashier
    if not value:
        return None
    return CashierRef(employee_id=int(value)) if is_digits(value) else CashierRef(name=value)


def cashier_for(caller: Caller, asked: CashierRef | None, config) -> CashierRef | None:
    """The cashier of a document (tags 1021/1203): a session's own employee, never another one;
    the technician names anyone, else the configured default cashier."""
    if caller.employee is not None:
        own = CashierRef(employee_id=caller.employee.id)
        if asked is not None and asked != own:
            raise ApiError(
                403,
                "forbidden",
                N_("documents are made in the name of the employee logged in; leave out the cashier"),
                details={"role": TECHNICIAN, "action": "name another cashier"},
            )
        return own
    if caller.technician:
        return asked or default_cashier(config)
    raise login_required()


def signed(body, caller: Caller, config):
    """A document's request with its cashier as ``cashier_for`` decides."""
    return body.model_copy(update={"cashier": cashier_for(caller, body.cashier, config)})


def shift_check(caller: Caller):
    """What ``close_shift`` checks of the shift it closes: a cashier closes only the shift opened in
    their own name (tags 1021/1203 of its opening); administrators and the technician close any."""
    if caller.may(ANY_SHIFT):
        return None

    async def check(number, opener, closer) -> None:
        if (
            opener is not None
            and closer is not None
            and (opener.name, opener.inn) == (closer.name, closer.inn)
        ):
            return
        details = {
            "role": ANY_SHIFT.role,
            "action": ANY_SHIFT.action,
            "opened_by": opener.name if opener else None,
        }
        if opener is None:
            raise ApiError(
                403,
                "forbidden",
                N_("shift {number} was not opened in your name: only an administrator may close it"),
                details=details,
                number=number,
            )
        raise ApiError(
            403,
            "forbidden",
            N_("shift {number} was opened by {opener}: only they or an administrator may close it"),
            details=details,
            number=number,
            opener=opener.name,
        )

    return check


def _sale_needs(session, request, codes, config):
    """The rule a sale's prices and discounts need beyond a cashier's, its total (0: not priced)
    and the priced sale (None when the sale itself refuses it)."""
    from agent.journal.errors import InvalidReceipt
    from agent.journal.marks import substitutes_of
    from agent.journal.sale import price_sale, sale_products

    needs = None
    products = sale_products(session, request.lines)
    for line, product in zip(request.lines, products, strict=True):
        if line.code is None and line.barcode is None:
            if not config.access.cashier_free_price:
                needs = FREE_PRICE
        # a catalog price of zero is the product's way of saying "priced at the till"
        elif line.price is not None and product is not None and product.price not in (0, line.price):
            needs = PRICE_OVERRIDE
    try:
        priced = price_sale(session, request, codes, substitutes_of(config), products)
    except InvalidReceipt:
        return needs, 0, None  # the sale itself refuses it, with the same words
    gross = sum(line.gross for line in priced.lines)
    discount = sum(line.discount for line in priced.lines)
    if needs is None and discount * 100 > config.access.cashier_discount_limit * gross:
        needs = BIG_DISCOUNT
    return needs, max(gross, priced.total, sum(payment.amount for payment in priced.payments)), priced


def too_much(total: int) -> ApiError:
    return ApiError(
        422,
        "total_too_large",
        N_("the receipt's sum is more than the register can hold; split it into several receipts"),
        details={"total": total, "max": MAX_MONEY},
    )


async def check_sale(caller: Caller, request, journal, config):
    """Refuse, before the register hears of it, a sum it cannot hold and what the caller's role may
    not do. Returns the sale priced for the check (``agent.journal.sale.PricedSale``), which the
    sale takes as it is, or None when pricing refused it (the sale then says why)."""
    needs, total, priced = await journal.read(
        lambda session: _sale_needs(session, request, journal.codes(), config)
    )
    if total > MAX_MONEY:
        raise too_much(total)
    if needs is not None and not caller.may(needs):
        raise refuse(caller, needs)
    return priced


async def check_total(request, journal, config) -> None:
    """A sale at prices from outside (a marketplace order): only the register's limits apply."""
    await check_sale(Caller(TECHNICIAN), request, journal, config)
