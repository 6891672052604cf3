"""The HTTP face of the reference back office: protocol v1 under ``/api/v1`` (docs/backoffice-api.md)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import update

from agent import __version__
from agent.i18n import N_
from sim.backoffice import documents, errors, feeds, orders, pairing
from sim.backoffice import tables as t
from sim.backoffice.clock import Clock, system_clock
from sim.backoffice.database import open_database
from sim.backoffice.ratelimit import AttemptLimiter

INN = re.compile(r"^([0-9]{10}|[0-9]{12})$")


class RegisterInfo(BaseModel):
    kkt_serial: str = Field(min_length=1, max_length=64)
    kkt_model: str = Field(min_length=1, max_length=255)
    fn_serial: str = Field(min_length=1, max_length=64)
    inn: str = Field(pattern=INN.pattern, description="10 digits (organization) or 12 (entrepreneur)")
    agent_version: str = Field(min_length=1, max_length=64)


class PairRequest(BaseModel):
    code: str = Field(
        min_length=1, max_length=64, description="the sync code as typed; case, spaces, dashes are ignored"
    )
    # "register" is also ABCMeta.register on every pydantic model, hence the alias
    register_info: RegisterInfo = Field(alias="register")


class Organization(BaseModel):
    name: str
    inn: str


class Store(BaseModel):
    id: str
    name: str
    address: str


class PairResponse(BaseModel):
    register_id: str
    token: str
    organization: Organization
    store: Store


class Page(BaseModel):
    items: list[dict[str, Any]]
    next: str = Field(description="the cursor to send as `since` next time")
    more: bool = Field(description="true while more changes wait after `next`")


class DocumentsRequest(BaseModel):
    documents: list[Any] = Field(max_length=documents.MAX_BATCH)


class DocumentResult(BaseModel):
    uuid: str | None
    status: Literal["accepted", "duplicate", "conflict", "rejected"]
    message: str | None = None


class DocumentsResponse(BaseModel):
    results: list[DocumentResult]


class OrderStatusRequest(BaseModel):
    status: Literal["fiscalized", "settled", "rejected"]
    receipt_uuid: str | None = None
    reason: str | None = Field(default=None, max_length=1000)


class Heartbeat(BaseModel):
    model_config = ConfigDict(extra="allow")
    printer: Any = None
    queue_depth: int | None = Field(default=None, ge=0)
    agent_version: str | None = None


class Ok(BaseModel):
    ok: bool = True


bearer = HTTPBearer(auto_error=False, description="the token pairing returned")


def create_app(database_url: str, clock: Clock = system_clock) -> FastAPI:
    """The app on ``database_url``; ``clock`` is replaceable for tests (codes, rate limits)."""
    engine = open_database(database_url)
    limiter = AttemptLimiter(clock)
    app = FastAPI(
        title="kassa reference back office",
        version=__version__,
        description="Back-office protocol v1: pairing, catalog, employees, documents, orders, heartbeat.",
    )
    app.state.engine = engine
    app.state.clock = clock
    app.state.limiter = limiter
    errors.install(app)

    def register_id(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str:
        if credentials is not None and credentials.scheme.lower() == "bearer":
            with engine.begin() as conn:
                found = pairing.authenticate(conn, credentials.credentials, clock)
            if found:
                return found
        raise errors.ApiError(
            401,
            "unauthorized",
            N_("the register is not paired (or was paired again elsewhere): pair it again"),
            headers={"WWW-Authenticate": "Bearer"},
        )

    @app.get("/api/v1/health", response_model=Ok, tags=["service"])
    def health() -> dict:
        """Liveness, without authentication."""
        return {"ok": True}

    @app.post("/api/v1/registers/pair", response_model=PairResponse, tags=["pairing"])
    def pair(body: PairRequest, request: Request) -> dict:
        """Redeem a one-time sync code for a bearer token."""
        address = request.client.host if request.client else "unknown"
        wait = limiter.retry_after(address)
        if wait is not None:
            raise errors.ApiError(
                429,
                "rate_limited",
                N_("too many failed attempts; try again in {seconds} s"),
                headers={"Retry-After": str(wait)},
                seconds=wait,
            )
        try:
            with engine.begin() as conn:
                return pairing.pair(conn, body.code, body.register_info.model_dump(), clock)
        except errors.ApiError:
            limiter.failed(address)
            raise

    @app.get("/api/v1/register", tags=["pairing"])
    def whoami(register: str = Depends(register_id)) -> dict:
        """The register this token belongs to, with its organization and store."""
        with engine.begin() as conn:
            return {"register_id": register, **pairing.organization(conn)}

    def feed_endpoint(feed: str):
        def read(
            since: str | None = Query(None, description="the `next` of the previous page; omit to start"),
            limit: int = Query(feeds.DEFAULT_LIMIT, ge=1, le=feeds.MAX_LIMIT),
            register: str = Depends(register_id),
        ) -> JSONResponse:
            with engine.begin() as conn:
                body = feeds.page(conn, feed, since, limit)
            # the items are already plain JSON: skip re-validating up to 1000 of them
            return JSONResponse(body)

        read.__name__ = f"{feed}_feed"
        return read

    app.get("/api/v1/catalog", response_model=Page, tags=["feeds"], summary="Product groups and products")(
        feed_endpoint("catalog")
    )
    app.get("/api/v1/employees", response_model=Page, tags=["feeds"], summary="Employees with PIN hashes")(
        feed_endpoint("employees")
    )
    app.get("/api/v1/orders", response_model=Page, tags=["feeds"], summary="Relayed marketplace orders")(
        feed_endpoint("orders")
    )

    @app.post("/api/v1/documents", response_model=DocumentsResponse, tags=["documents"])
    def receive(body: DocumentsRequest, register: str = Depends(register_id)) -> dict:
        """Upload fiscal documents; one result per document, applied in one transaction."""
        with engine.begin() as conn:
            return {"results": documents.receive(conn, register, body.documents, clock())}

    @app.post("/api/v1/orders/{order_id}/status", tags=["orders"])
    def order_status(order_id: str, body: OrderStatusRequest, register: str = Depends(register_id)) -> dict:
        """Report what the register did with an order."""
        with engine.begin() as conn:
            return orders.report_status(conn, order_id, body.status, body.receipt_uuid, body.reason, register)

    @app.post("/api/v1/heartbeat", response_model=Ok, tags=["service"])
    def heartbeat(body: Heartbeat, register: str = Depends(register_id)) -> dict:
        """Record the register's summary (printer, queue depth, versions) and when it was seen."""
        with engine.begin() as conn:
            conn.execute(
                update(t.register)
                .where(t.register.c.id == register)
                .values(heartbeat=body.model_dump(mode="json"), last_seen_at=clock())
            )
        return {"ok": True}

    return app
