"""One error shape for the whole local API: ``{"error": {"code", "message", "details"?}}``.

``code`` is stable (scripts and the TUI branch on it); ``message`` is for a person, in the
language of the request's Accept-Language. Routers raise ``ApiError``; driver errors and
validation errors are converted here, so no handler formats an error by hand.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from agent.api.deps import request_language
from agent.i18n import N_, translate
from drivers.errors import DriverError

log = logging.getLogger("kassa.api")

# driver error codes that mean "the device is not there or not answering": retry later
UNAVAILABLE_CODES = {
    "device_unavailable",
    "device_timeout",
    "stopping",
    "driver_missing",
    "port_lost",
    "timeout",
}


class ApiError(Exception):
    """An error answer: HTTP status, stable code, an English msgid and its parameters."""

    def __init__(self, status: int, code: str, msgid: str, /, details: Any = None, **params: Any):
        super().__init__(msgid.format(**params) if params else msgid)
        self.status = status
        self.code = code
        self.msgid = msgid
        self.params = params
        self.details = details


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return {"error": error}


def driver_message(error: DriverError, lang: str | None) -> str:
    """Translate a driver's message; a nested reason/device msgid is translated too."""
    params = dict(error.params)
    reason_params = params.pop("reason_params", None) or {}
    for key in ("device", "reason"):
        if isinstance(params.get(key), str):
            params[key] = translate(params[key], lang, **(reason_params if key == "reason" else {}))
    try:
        return translate(error.message, lang, **params)
    except (KeyError, IndexError, ValueError):
        return error.text


def _field(location: tuple | list) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or ".".join(str(part) for part in location)


async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
    lang = request_language(request)
    return JSONResponse(
        error_body(exc.code, translate(exc.msgid, lang, **exc.params), exc.details), status_code=exc.status
    )


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    lang = request_language(request)
    errors = exc.errors()
    details = [{"field": _field(error.get("loc", ())), "problem": error.get("msg", "")} for error in errors]
    first = details[0] if details else {"field": "?", "problem": ""}
    message = translate(N_("invalid request: {field}: {problem}"), lang, **first)
    return JSONResponse(error_body("validation_error", message, details), status_code=422)


async def _driver_error(request: Request, exc: DriverError) -> JSONResponse:
    lang = request_language(request)
    status = 503 if exc.code in UNAVAILABLE_CODES else 409
    return JSONResponse(error_body(exc.code, driver_message(exc, lang)), status_code=status)


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    lang = request_language(request)
    if exc.status_code == 404:
        body = error_body("not_found", translate(N_("no such API path: {path}"), lang, path=request.url.path))
    elif exc.status_code == 405:
        body = error_body(
            "method_not_allowed",
            translate(
                N_("{method} is not allowed on {path}"), lang, method=request.method, path=request.url.path
            ),
        )
    else:
        body = error_body(f"http_{exc.status_code}", str(exc.detail))
    return JSONResponse(body, status_code=exc.status_code, headers=getattr(exc, "headers", None))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("%s %s failed", request.method, request.url.path)
    lang = request_language(request)
    message = translate(N_("internal error in the kassa daemon; see its log (journalctl -u kassa)"), lang)
    return JSONResponse(error_body("internal_error", message), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(DriverError, _driver_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
