"""Protocol errors: ``{"error": {"code", "message"}}`` with a stable code and a readable message.

Messages are English msgids translated per the request's ``Accept-Language`` (Russian or English).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agent.i18n import N_, translate

if TYPE_CHECKING:  # FastAPI loads only with the server, not for the CLI's codes and seeds
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse


class ApiError(Exception):
    """An error answer: HTTP status, machine code, msgid with ``{placeholders}`` and its params."""

    def __init__(
        self, status: int, code: str, message: str, /, headers: dict | None = None, **params: object
    ):
        super().__init__(message.format(**params) if params else message)
        self.status = status
        self.code = code
        self.message = message
        self.params = params
        self.headers = headers or {}


def language(request: Request) -> str:
    header = request.headers.get("accept-language", "")
    return header.split(",")[0].split(";")[0].strip() or "en"


def error_response(
    request: Request, status: int, code: str, message: str, /, headers=None, **params
) -> JSONResponse:
    from fastapi.responses import JSONResponse

    text = translate(message, language(request), **params)
    return JSONResponse({"error": {"code": code, "message": text}}, status_code=status, headers=headers)


def _field(loc: tuple) -> str:
    parts = [str(part) for part in loc if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException as StarletteHTTPException

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        return error_response(request, exc.status, exc.code, exc.message, headers=exc.headers, **exc.params)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": ""}
        return error_response(
            request,
            422,
            "validation_error",
            N_("invalid request: {field}: {problem}"),
            field=_field(tuple(first.get("loc", ()))),
            problem=first.get("msg", ""),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        return error_response(
            request, 500, "internal_error", N_("the back office failed: {error}"), error=type(exc).__name__
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 404:
            return error_response(
                request, 404, "not_found", N_("no such endpoint: {path}"), path=request.url.path
            )
        if exc.status_code == 405:
            return error_response(
                request,
                405,
                "method_not_allowed",
                N_("method {method} is not allowed here"),
                method=request.method,
            )
        return error_response(
            request, exc.status_code, "http_error", N_("request failed: {detail}"), detail=str(exc.detail)
        )
