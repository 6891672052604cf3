"""The local API's contract: one error shape, localized; OpenAPI; status merging the components'."""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel

from agent.api.app import ERRORS, OPENAPI_URL, create_app, router_modules
from agent.api.errors import ApiError, install_error_handlers
from agent.daemon.devices import unavailable
from agent.i18n import N_
from drivers.shtrih.errors import LinkError, PaperOut


class Sale(BaseModel):
    uuid: str
    total: int


def error_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    router = APIRouter()

    @router.post("/sale")
    def sale(body: Sale) -> dict:
        return {"ok": True}

    @router.get("/api-error")
    def api_error() -> None:
        raise ApiError(409, "shift_closed", N_("the shift is over 24 hours: close it with a Z report"))

    @router.get("/paper")
    def paper() -> None:
        raise PaperOut()

    @router.get("/cable")
    def cable() -> None:
        raise LinkError(detail="framing error")

    @router.get("/unplugged")
    def unplugged() -> None:
        raise unavailable("fiscal_register", N_("port lost: {error}"), {"error": "EIO"})

    @router.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    app.include_router(router)
    return app


@pytest.fixture
def http():
    transport = httpx.ASGITransport(app=error_app(), raise_app_exceptions=False)

    async def call(method: str, path: str, lang: str = "en", **kwargs) -> httpx.Response:
        async with httpx.AsyncClient(transport=transport, base_url="http://kassa") as client:
            return await client.request(method, path, headers={"Accept-Language": lang}, **kwargs)

    import asyncio

    return lambda *args, **kwargs: asyncio.run(call(*args, **kwargs))


def test_validation_error_names_the_field(http):
    response = http("POST", "/sale", json={"uuid": "u1", "total": "lots"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert "total" in error["message"]
    assert error["details"][0]["field"] == "total"


def test_api_error_is_translated_per_request(http):
    english = http("GET", "/api-error").json()
    russian = http("GET", "/api-error", lang="ru-RU,ru;q=0.9,en;q=0.5").json()
    assert english == {
        "error": {
            "code": "shift_closed",
            "message": "the shift is over 24 hours: close it with a Z report",
            "unavailable": False,
            "retryable": False,
            "outcome_unknown": False,
            "exit_code": 1,
        }
    }
    assert russian["error"]["code"] == "shift_closed"
    assert russian["error"]["message"] == "смена длится больше 24 часов: закройте её Z-отчётом"


def test_driver_errors_are_409_and_unavailable_devices_503(http):
    paper = http("GET", "/paper", lang="ru")
    assert paper.status_code == 409
    assert paper.json() == {
        "error": {
            "code": "paper_out",
            "message": "В ККТ закончилась бумага: вставьте новый рулон и продолжите печать.",
            "unavailable": False,
            "retryable": True,
            "outcome_unknown": False,
            "exit_code": 1,
        }
    }
    cable = http("GET", "/cable", lang="ru")
    assert cable.status_code == 503
    assert cable.json()["error"] == {
        "code": "link_error",
        "message": "Сбой связи с ККТ: framing error",
        "unavailable": True,
        "retryable": True,
        "outcome_unknown": False,
        "exit_code": 1,
    }
    unplugged = http("GET", "/unplugged", lang="ru")
    assert unplugged.status_code == 503
    assert unplugged.json()["error"] == {
        "code": "device_unavailable",
        "message": "фискальный регистратор недоступен: порт потерян: EIO",
        "unavailable": True,
        "retryable": True,
        "outcome_unknown": False,
        "exit_code": 1,
    }
    assert http("GET", "/unplugged").json()["error"]["message"] == (
        "the fiscal register is not available: port lost: EIO"
    )


def test_unknown_path_and_unexpected_errors_keep_the_shape(http):
    missing = http("GET", "/nope")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    boom = http("GET", "/boom")
    assert boom.status_code == 500
    assert boom.json()["error"]["code"] == "internal_error"
    assert "secret internals" not in boom.text


def test_every_router_module_is_included():
    modules = router_modules()
    assert "agent.api.status" in modules
    assert "agent.api.errors" not in modules and "agent.api.deps" not in modules
    paths = create_app(ctx=None).openapi()["paths"]
    assert "/v1/status" in paths


def test_error_answers_are_in_the_document_but_no_route_builds_their_validators():
    app = create_app(ctx=None)
    contexts = iter_route_contexts(app.routes)
    routes = [route for route in contexts if isinstance(route.original_route, APIRoute)]
    assert len(routes) > 10
    assert not [route.path for route in routes if route.response_fields]
    document = app.openapi()
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    for path, operations in document["paths"].items():
        for operation in operations.values():
            if path != OPENAPI_URL:
                answers = operation["responses"]
                assert all(answers[str(status)]["content"] == error for status in ERRORS)
    # the serializer's shape: a default of None is not written
    assert document["components"]["schemas"]["ErrorDetail"]["properties"]["details"] == {"title": "Details"}


def test_openapi_and_errors_over_the_socket(shared_daemon):
    with shared_daemon.http() as http:
        schema = http.get("/v1/openapi.json").json()
        assert "/v1/status" in schema["paths"]
        missing = http.get("/v1/no-such-thing", headers={"Accept-Language": "ru"})
        assert missing.status_code == 404
        assert missing.json()["error"] == {
            "code": "not_found",
            "message": "нет такого пути API: /v1/no-such-thing",
            "unavailable": False,
            "retryable": False,
            "outcome_unknown": False,
            "exit_code": 1,
        }


def test_the_document_names_every_answer_a_client_meets():
    """A replay's 200 beside a new document's 201, the store's 507, the login lock's 423, and the
    bodies the API cannot read or take (400, 413): each with its schema, as the daemon answers them."""
    document = create_app(ctx=None).openapi()
    paths = document["paths"]
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    for path, method in [
        ("/v1/receipts", "post"),
        ("/v1/receipts/{receipt_id}/return", "post"),
        ("/v1/corrections", "post"),
        ("/v1/shift/open", "post"),
        ("/v1/cash/out", "post"),
    ]:
        answers = paths[path][method]["responses"]
        assert answers["200"]["content"] == answers["201"]["content"], path
        assert answers["507"]["content"] == error, path
    assert paths["/v1/login"]["post"]["responses"]["423"]["content"] == error
    assert all(
        operation["responses"][status]["content"] == error
        for path, operations in paths.items()
        if path != OPENAPI_URL
        for operation in operations.values()
        for status in ("400", "413", "500")
    )
