"""One error shape for the whole local API, and the one place that writes it.

``{"error": {"code", "message", "details"?, "unavailable", "retryable", "outcome_unknown",
"exit_code"}}``: ``code`` is stable (scripts branch on it); ``message`` is for a person, in the
language of the request's Accept-Language; ``unavailable`` (the device or service is not there now:
HTTP 503), ``retryable`` (the same request may succeed once the cause is fixed) and
``outcome_unknown`` (it may have been done: repeat the same uuid, never a new one) tell a client what
to do without a list of codes; ``exit_code`` is what a CLI command exits with. Every ``KassaError``
(driver, journal, back office, login, ``ApiError``) is answered here from its own attributes.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from agent.api.deps import request_language
from agent.i18n import N_, translate, translations
from common.errors import KassaError

log = logging.getLogger("kassa.api")


class ApiError(KassaError):
    """An error answer: HTTP status, stable code, an English msgid and its parameters."""

    def __init__(self, status: int, code: str, msgid: str, /, details: Any = None, **params: Any):
        self.code = code
        super().__init__(msgid, status=status, details=details, **params)


def error_body(
    code: str,
    message: str,
    details: Any = None,
    *,
    unavailable: bool = False,
    retryable: bool = False,
    outcome_unknown: bool = False,
    exit_code: int = 1,
) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    error.update(
        unavailable=unavailable, retryable=retryable, outcome_unknown=outcome_unknown, exit_code=exit_code
    )
    return {"error": error}


def _field(location: tuple | list) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or ".".join(str(part) for part in location)


async def _kassa_error(request: Request, exc: KassaError) -> JSONResponse:
    message = exc.render(translations(request_language(request)).gettext)
    body = error_body(
        exc.code,
        message,
        exc.details,
        unavailable=exc.unavailable,
        retryable=exc.retryable,
        outcome_unknown=exc.outcome_unknown,
        exit_code=exc.exit_code,
    )
    return JSONResponse(body, status_code=exc.status)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    lang = request_language(request)
    errors = exc.errors()
    details = [{"field": _field(error.get("loc", ())), "problem": error.get("msg", "")} for error in errors]
    first = details[0] if details else {"field": "?", "problem": ""}
    message = translate(N_("invalid request: {field}: {problem}"), lang, **first)
    return JSONResponse(error_body("validation_error", message, details), status_code=422)


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
    app.add_exception_handler(KassaError, _kassa_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
