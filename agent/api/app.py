"""The local API's app: one FastAPI app, one router module per domain.

Every module of ``agent.api`` that defines ``router`` is included, so a new domain only drops a
module there (and its routes into ``agent.api.access.ROUTES``, or they are refused). The app
reaches the daemon through ``app.state.ctx`` (see ``agent.api.deps.get_ctx``).
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.utils import create_model_field

from agent import __version__
from agent.api.access import ROUTES, Sessions, authorize
from agent.api.deps import request_language
from agent.api.errors import error_body, install_error_handlers
from agent.api.schemas import ErrorBody
from agent.i18n import N_, translate
from common.digits import is_digits

MAX_BODY = 1024 * 1024  # bytes; a 500-line sale is a tenth of it
ERRORS = {
    400: "invalid_json: the body is not JSON the API can read (nested too deep, a huge number, not UTF-8)",
    401: "login_required: no session, or it expired",
    403: "forbidden: details.role names the role needed",
    404: "not found",
    409: "the register or the journal refuses it now (a shift state, a reused uuid, a device fault)",
    413: "body_too_large: the body is larger than the API takes",
    422: "validation_error / invalid_json: details name each field and its problem",
    500: "internal_error: see the daemon's log",
    503: "a device or a service is not available: retry later",
}
NOT_ROUTERS = {"access", "app", "deps", "docs", "errors", "schemas"}
OPENAPI_URL = "/v1/openapi.json"


def router_modules() -> list[str]:
    return sorted(
        f"agent.api.{info.name}"
        for info in pkgutil.iter_modules([str(Path(__file__).parent)])
        if info.name not in NOT_ROUTERS
    )


def create_app(ctx) -> FastAPI:
    app = FastAPI(
        title="kassa local API",
        version=__version__,
        description="The register daemon's API for the TUI and the CLI, on a unix socket.",
        openapi_url=OPENAPI_URL,
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(authorize)],
        # their shape, ErrorBody, is added by the document alone (see _document_roles)
        responses={status: {"description": description} for status, description in ERRORS.items()},
    )
    app.state.ctx = ctx
    app.state.sessions = Sessions()
    install_error_handlers(app)
    app.add_middleware(BodyLimit)
    for name in router_modules():
        module = importlib.import_module(name)
        router = getattr(module, "router", None)
        if router is not None:
            app.include_router(router)
    _document_roles(app)
    return app


def _document_roles(app: FastAPI) -> None:
    """Every operation of the OpenAPI document names its least role (``x-kassa-role``) and answers
    its errors with ``ErrorBody``.

    FastAPI turns each ``model`` of a route's ``responses`` into a validator and a serializer of its
    own, compiled for every route and kept for the process's life, though only this document reads
    them (six error statuses: about 1 MiB at rest). So the app declares the errors by description
    and one ``ErrorBody`` field, made with the document, stands for all of them.
    """
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            error = create_model_field(name="ErrorBody", type_=ErrorBody, mode="serialization")
            for route in iter_route_contexts(app.routes):
                if isinstance(route.original_route, APIRoute):
                    declared = [status for status in route.responses if isinstance(status, int)]
                    route.response_fields.update({status: error for status in declared if status >= 400})
                    if 200 in declared and route.status_code == 201:  # a replay: the first answer again
                        route.response_fields[200] = route.response_field
            schema = build()
            for path, operations in schema["paths"].items():
                for method, operation in operations.items():
                    rule = ROUTES.get(f"{method.upper()} {path}")
                    if rule is not None:
                        operation["x-kassa-role"] = rule.role
                        operation["x-kassa-action"] = rule.action
                        if rule.setup:
                            operation["x-kassa-setup"] = True
            # the document itself is a route of the table; FastAPI does not list it
            schema["paths"][OPENAPI_URL] = {
                "get": {
                    "summary": "This OpenAPI document",
                    "x-kassa-role": ROUTES[f"GET {OPENAPI_URL}"].role,
                    "x-kassa-action": ROUTES[f"GET {OPENAPI_URL}"].action,
                    "responses": {"200": {"description": "the OpenAPI 3 document"}},
                }
            }
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi


def _too_large(scope) -> tuple[str, str]:
    lang = request_language(Request(scope))
    return "body_too_large", translate(
        N_("the request body is larger than {limit} bytes"), lang, limit=MAX_BODY
    )


class BodyLimit:
    """A request body stops at ``MAX_BODY`` bytes, whether announced (Content-Length) or streamed."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        announced = dict(scope.get("headers") or ()).get(b"content-length", b"0")
        if not is_digits(announced) or len(announced) > 12 or int(announced) > MAX_BODY:
            code, message = _too_large(scope)
            return await JSONResponse(error_body(code, message), status_code=413)(scope, receive, send)
        received = 0

        async def limited():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > MAX_BODY:
                raise HTTPException(413, _too_large(scope)[1])
            return message

        await self.app(scope, limited, send)
