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
from decimal import Decimal
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from agent.api.deps import request_language
from agent.i18n import N_, translate, translations
from agent.journal.fields import ROOTS, FieldWords, words
from agent.terminal_text import printable
from common.errors import KassaError, Message

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


def _path(location: tuple | list) -> list[str | int]:
    """The request's path without pydantic's names for the branches of a union ("constrained-int",
    "literal['never']", "function-after[...]"): a client knows its fields, not pydantic's schemas."""
    return [part for part in location if isinstance(part, int) or not set("-[(") & set(part)]


def _field(location: tuple | list) -> str:
    location = _path(location)
    parts = [str(part) for part in location if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or ".".join(str(part) for part in location)


INVALID = N_("invalid request")
INVALID_REQUEST = N_("invalid request: {field} {problem}")
INVALID_BODY = N_("invalid request: {problem}")
# pydantic's words for a body that is not one object: none at all, or FastAPI read no JSON (another
# Content-Type) or JSON of another type (a list)
NO_OBJECT = {"missing", "model_attributes_type", "dict_type", "model_type"}


def invalid(field: str, msgid: str, /, **params: Any) -> ApiError:
    """A ``validation_error`` a route finds itself, shaped as the ones pydantic finds: the message in
    words, ``details`` the field's path and the problem (``field`` as the client sent it: "since")."""
    problem = Message(msgid, params)
    return ApiError(
        422,
        "validation_error",
        INVALID_REQUEST,
        details=[{"field": field, "problem": problem}],
        field=FieldWords(field),
        problem=problem,
    )


def _rendered(details: Any, gettext) -> Any:
    """``details`` with every ``Message`` in it in the reader's language."""
    if isinstance(details, Message):
        return details.render(gettext)
    if isinstance(details, dict):
        return {key: _rendered(value, gettext) for key, value in details.items()}
    if isinstance(details, list | tuple):
        return [_rendered(value, gettext) for value in details]
    return details


async def _kassa_error(request: Request, exc: KassaError) -> JSONResponse:
    gettext = translations(request_language(request)).gettext
    message = exc.render(gettext)
    body = error_body(
        exc.code,
        message,
        _rendered(exc.details, gettext),
        unavailable=exc.unavailable,
        retryable=exc.retryable,
        outcome_unknown=exc.outcome_unknown,
        exit_code=exc.exit_code,
    )
    return JSONResponse(body, status_code=exc.status)


# pydantic's error types -> what a person reads (its own messages are English only)
PROBLEMS = {
    "missing": N_("is required"),
    "string_too_short": N_("is too short (at least {min_length} characters)"),
    "string_too_long": N_("is too long (at most {max_length} characters)"),
    "too_short": N_("has too few items (at least {min_length})"),
    "too_long": N_("has too many items (at most {max_length})"),
    "greater_than": N_("must be more than {gt}"),
    "greater_than_equal": N_("must be at least {ge}"),
    "less_than": N_("must be less than {lt}"),
    "less_than_equal": N_("must be at most {le}"),
    "int_type": N_("must be a whole number"),
    "int_parsing": N_("must be a whole number"),
    "bool_type": N_("must be true or false"),
    "bool_parsing": N_("must be true or false"),
    "string_type": N_("must be text"),
    "literal_error": N_("must be one of {expected}"),
    "enum": N_("must be one of {expected}"),
    "extra_forbidden": N_("is not expected here"),
    "uuid_parsing": N_("must be a UUID"),
    "datetime_from_date_parsing": N_("must be a date and time"),
    "datetime_parsing": N_("must be a date and time"),
    "json_invalid": N_("is not valid JSON"),
    "inn_check_digits": N_(
        "is not an INN: 10 digits (an organisation) or 12 (a person) with matching check digits"
    ),
}


def _field_words(location: tuple | list, lang: str | None) -> str:
    """``("body", "lines", 0, "code")`` -> "строка 1, код": the request's path in a person's words."""
    return words(location, translations(lang).gettext)


def _number(value: float | Decimal) -> str:
    """A bound as a person writes it: 1, not 1.0."""
    try:
        return str(int(value)) if value == int(value) else str(value)
    except (OverflowError, ValueError):  # infinite or NaN: no whole number
        return str(value)


def _problem(error: dict, lang: str | None) -> str:
    kind = error.get("type", "")
    if kind == "kassa":  # our own validators' words (agent/journal/requests.py ``problem``)
        context = dict(error.get("ctx") or {})
        return translate(context.pop("msgid"), lang, **context)
    if kind not in PROBLEMS:
        return translate(N_("has a value that does not fit"), lang)
    context = {
        key: _number(value) if isinstance(value, float | Decimal) else value
        for key, value in (error.get("ctx") or {}).items()
        if isinstance(value, str | int | float | Decimal)
    }
    if isinstance(context.get("expected"), str):  # pydantic's "'a', 'b' or 'c'": its "or" is English
        head, said_or, last = context["expected"].rpartition(" or ")
        if said_or:
            context["expected"] = translate(N_("{choices} or {last}"), lang, choices=head, last=last)
    try:
        return translate(PROBLEMS[kind], lang, **context)
    except (KeyError, IndexError, ValueError):
        return translate(N_("has a value that does not fit"), lang)


INVALID_JSON = N_("the request body is not JSON this API can read: send one JSON object in UTF-8")
NOT_AN_OBJECT = N_(
    "the request body must be one JSON object in UTF-8, sent as Content-Type: application/json"
)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    lang = request_language(request)
    errors = exc.errors()
    if errors and errors[0].get("type") == "json_invalid":  # its location is a character offset
        return JSONResponse(error_body("invalid_json", translate(INVALID_JSON, lang)), status_code=422)
    if any(_path(error.get("loc", ())) == ["body"] and error.get("type") in NO_OBJECT for error in errors):
        return JSONResponse(error_body("invalid_json", translate(NOT_AN_OBJECT, lang)), status_code=422)
    details = [{"field": _field(error.get("loc", ())), "problem": _problem(error, lang)} for error in errors]
    if not errors:
        return JSONResponse(error_body("validation_error", translate(INVALID, lang), []), status_code=422)
    location, problem = _path(errors[0].get("loc", ())), _problem(errors[0], lang)
    if any(part not in ROOTS for part in location):
        message = translate(INVALID_REQUEST, lang, field=_field_words(location, lang), problem=problem)
    else:  # the body as a whole (a rule between its fields): no field to name
        message = translate(INVALID_BODY, lang, problem=problem)
    return JSONResponse(error_body("validation_error", message, details), status_code=422)


PATH_SHOWN = 120  # characters of a path named in an answer: enough to recognize a typo


def _shown(text: str) -> str:
    """A client's path or method as an answer names it: one printable line, cut short."""
    text = printable(text, one_line=True)
    return text if len(text) <= PATH_SHOWN else text[: PATH_SHOWN - 1] + "…"


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    lang = request_language(request)
    path = _shown(request.url.path)
    if exc.status_code == 404:
        body = error_body("not_found", translate(N_("no such API path: {path}"), lang, path=path))
    elif exc.status_code == 405:
        body = error_body(
            "method_not_allowed",
            translate(
                N_("{method} is not allowed on {path}"), lang, method=_shown(request.method), path=path
            ),
        )
    elif exc.status_code == 413:  # a streamed body over the limit (agent/api/app.py ``BodyLimit``)
        body = error_body("body_too_large", str(exc.detail))
    elif exc.status_code == 400:  # FastAPI could not parse the body: too deep, a huge number, not UTF-8
        body = error_body("invalid_json", translate(INVALID_JSON, lang))
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
