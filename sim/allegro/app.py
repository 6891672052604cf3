"""The HTTP face of the fake Allegro: the OAuth endpoints under ``/auth/oauth``, the REST API at the root.

One port serves both hosts of the real service (``allegro.pl/auth/oauth`` and ``api.allegro.pl``).
``/skojarz-aplikacje`` is the page a seller opens to approve a device; ``/_fake/...`` is this fake's
own control (add orders, approve, inject faults), used by tests and ``kassa demo``.
"""

from __future__ import annotations

import asyncio
import base64
import html
import zlib
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from common.digits import is_digits
from sim.allegro.state import FakeAllegro

MEDIA_TYPE = "application/vnd.allegro.public.v1+json"
MAX_LIMIT = 1000


def _errors(status: int, code: str, message: str, headers: dict | None = None) -> JSONResponse:
    body = {
        "errors": [{"code": code, "message": message, "details": None, "path": None, "userMessage": message}]
    }
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _oauth_error(status: int, error: str, description: str = "") -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def _basic_client(request: Request, fake: FakeAllegro) -> str | None:
    """The client id from a valid Basic header, else None."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    if client_id != fake.client_id or secret != fake.client_secret:
        return None
    return client_id


async def _params(request: Request) -> dict[str, str]:
    """OAuth parameters from the query string (as Allegro's examples send them) or a form body."""
    params = dict(request.query_params)
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        params.update(_form(await request.body()))
    return params


def _form(body: bytes) -> dict[str, str]:
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


def create_app(fake: FakeAllegro) -> FastAPI:
    app = FastAPI(title="fake Allegro", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.fake = fake

    @app.middleware("http")
    async def log_and_fault(request: Request, call_next):
        path = request.url.path
        target = path + (f"?{request.url.query}" if request.url.query else "")
        fake.record(request.method, target)
        if not path.startswith(("/_fake/", "/skojarz-aplikacje")):
            fault = fake.take_fault(path)
            if fault is not None and fault.delay:
                await asyncio.sleep(fault.delay)
            if fault is not None and fault.status:
                headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else None
                return _errors(fault.status, "FaultInjected", "injected by the fake", headers)
        return await call_next(request)

    # ---- OAuth ---------------------------------------------------------------------------------
    @app.post("/auth/oauth/device")
    async def device(request: Request) -> Response:
        client_id = _basic_client(request, fake)
        params = await _params(request)
        if client_id is None or params.get("client_id") != client_id:
            return _oauth_error(401, "invalid_client", "Bad client credentials")
        code = fake.start_device(client_id)
        base = str(request.base_url).rstrip("/")
        return JSONResponse(
            {
                "device_code": code.device_code,
                # a test may set any text, as a broken or hostile server would send
                "expires_in": fake.device_ttl
                if isinstance(fake.device_ttl, str)
                else str(int(fake.device_ttl)),
                "user_code": code.user_code,
                "interval": str(code.interval) if code.interval % 1 else str(int(code.interval)),
                "verification_uri": f"{base}/skojarz-aplikacje",
                "verification_uri_complete": f"{base}/skojarz-aplikacje?code={code.user_code}",
            }
        )

    @app.post("/auth/oauth/token")
    async def token(request: Request) -> Response:
        client_id = _basic_client(request, fake)
        if client_id is None:
            return _oauth_error(401, "invalid_client", "Bad client credentials")
        params = await _params(request)
        grant = params.get("grant_type")
        if grant == "urn:ietf:params:oauth:grant-type:device_code":
            outcome, body = fake.poll(params.get("device_code", ""), client_id)
            return JSONResponse(body, status_code=200 if outcome == "ok" else 400)
        if grant == "refresh_token":
            pair = fake.refresh_pair(params.get("refresh_token", ""))
            if pair is None:
                return _oauth_error(400, "invalid_grant", "Invalid refresh token")
            return JSONResponse(pair)
        return _oauth_error(400, "unsupported_grant_type", str(grant))

    # ---- the seller's approval page ----------------------------------------------------------------
    @app.get("/skojarz-aplikacje", response_class=HTMLResponse)
    def approval_page(code: str = "") -> str:
        safe = html.escape(code)
        return (
            "<!doctype html><title>Allegro (fake)</title><h1>Powiąż aplikację kassa</h1>"
            f"<form method=post><input name=code value='{safe}'><input name=login value='demo-seller'>"
            "<button name=decision value=approve>Zezwól</button>"
            "<button name=decision value=deny>Odmów</button></form>"
        )

    @app.post("/skojarz-aplikacje", response_class=HTMLResponse)
    async def approval_answer(request: Request) -> Response:
        form = _form(await request.body())
        done = fake.decide(
            str(form.get("code", "")),
            form.get("decision") == "approve",
            str(form.get("login") or "demo-seller"),
        )
        return HTMLResponse("<p>OK</p>" if done else "<p>Nieznany lub zużyty kod</p>", 200 if done else 404)

    # ---- the REST API --------------------------------------------------------------------------
    def _seller(request: Request) -> str | JSONResponse:
        if request.headers.get("accept") != MEDIA_TYPE:
            return _errors(406, "NotAcceptableException", f"send Accept: {MEDIA_TYPE}")
        header = request.headers.get("authorization", "")
        login = fake.seller(header[7:]) if header.lower().startswith("bearer ") else None
        if login is None:
            return JSONResponse(
                {"error": "invalid_token", "error_description": "Access token expired or unknown"}, 401
            )
        return login

    def _limit(raw: str | None, default: int, ceiling: int) -> int | JSONResponse:
        try:
            value = int(raw) if raw is not None else default
        except ValueError:
            return _errors(422, "ConstraintViolationException", "limit must be a number")
        if not 1 <= value <= ceiling:
            return _errors(422, "ConstraintViolationException", f"limit must be between 1 and {ceiling}")
        return value

    @app.get("/me")
    def me(request: Request) -> Response:
        login = _seller(request)
        if isinstance(login, Response):
            return login
        seller_id = str(zlib.crc32(login.encode()))
        return JSONResponse(
            {"id": seller_id, "login": login, "baseMarketplace": {"id": "allegro-pl"}}, media_type=MEDIA_TYPE
        )

    @app.get("/order/events")
    def events(request: Request) -> Response:
        login = _seller(request)
        if isinstance(login, Response):
            return login
        limit = _limit(request.query_params.get("limit"), 100, MAX_LIMIT)
        if isinstance(limit, Response):
            return limit
        found = fake.events_after(login, request.query_params.get("from"), limit)
        if found is None:
            return _errors(422, "ConstraintViolationException", "unknown event id in 'from'")
        return JSONResponse({"events": found}, media_type=MEDIA_TYPE)

    @app.get("/order/event-stats")
    def event_stats(request: Request) -> Response:
        login = _seller(request)
        if isinstance(login, Response):
            return login
        events = fake.events.get(login) or []
        latest = {"id": events[-1]["id"], "occurredAt": events[-1]["occurredAt"]} if events else None
        return JSONResponse({"latestEvent": latest}, media_type=MEDIA_TYPE)

    @app.get("/order/checkout-forms/{form_id}")
    def checkout_form(form_id: str, request: Request) -> Response:
        login = _seller(request)
        if isinstance(login, Response):
            return login
        form = fake.form(login, form_id)
        if form is None:
            return _errors(404, "NotFoundException", f"Checkout form {form_id} not found")
        return JSONResponse(form, media_type=MEDIA_TYPE)

    @app.get("/order/checkout-forms")
    def checkout_forms(request: Request) -> Response:
        login = _seller(request)
        if isinstance(login, Response):
            return login
        limit = _limit(request.query_params.get("limit"), 100, 100)
        if isinstance(limit, Response):
            return limit
        offset = request.query_params.get("offset") or "0"
        if not is_digits(offset):
            return _errors(422, "ConstraintViolationException", "offset must be a whole number")
        offset = int(offset)
        forms = fake.forms(
            login, request.query_params.get("status"), request.query_params.get("fulfillment.status")
        )
        page = forms[offset : offset + limit]
        return JSONResponse(
            {"checkoutForms": page, "count": len(page), "totalCount": len(forms)}, media_type=MEDIA_TYPE
        )

    @app.put("/order/checkout-forms/{form_id}/fulfillment")
    async def fulfillment(form_id: str, request: Request) -> Response:
        login = _seller(request)
        if isinstance(login, Response):
            return login
        if request.headers.get("content-type") != MEDIA_TYPE:
            return _errors(415, "UnsupportedMediaTypeException", f"send Content-Type: {MEDIA_TYPE}")
        try:
            body: Any = await request.json()
        except ValueError:
            body = None
        statuses = {"NEW", "PROCESSING", "READY_FOR_SHIPMENT", "READY_FOR_PICKUP", "SENT", "PICKED_UP",
                    "CANCELLED", "SUSPENDED"}  # fmt: skip
        if not isinstance(body, dict) or body.get("status") not in statuses:
            return _errors(422, "ConstraintViolationException", "status: not a fulfillment status")
        outcome = fake.set_fulfillment(
            login, form_id, body["status"], request.query_params.get("checkoutForm.revision")
        )
        if outcome == "missing":
            return _errors(404, "NotFoundException", f"Checkout form {form_id} not found")
        if outcome == "conflict":
            return _errors(409, "OptimisticLockException", "the checkout form changed: read it again")
        return Response(status_code=204)

    # ---- the fake's own control --------------------------------------------------------------------
    @app.post("/_fake/orders")
    async def add_order(request: Request) -> dict:
        body = await request.json()
        lines = [
            (line.get("sku"), line.get("name", "Item"), int(line.get("quantity", 1)), str(line["price"]))
            for line in body.get("lines", [])
        ] or [("SKU-1", "Item", 1, "10.00")]
        form_id = fake.add_order(
            body.get("login", "demo-seller"),
            lines=lines,
            currency=body.get("currency", "PLN"),
            email=body.get("email", "buyer@allegromail.pl"),
        )
        return {"id": form_id}

    @app.post("/_fake/device/{user_code}/{decision}")
    def decide(user_code: str, decision: str, login: str = "demo-seller") -> Response:
        done = fake.decide(user_code, decision == "approve", login)
        return JSONResponse({"done": done}, status_code=200 if done else 404)

    @app.get("/_fake/fulfillments")
    def fulfillments() -> list:
        return [list(item) for item in fake.fulfillments]

    return app
