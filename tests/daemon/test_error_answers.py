"""Bodies the API cannot read, over the real socket: one stable code each, in the caller's language,
with no pydantic names in the field paths."""

from __future__ import annotations

import re

import httpx
import pytest

from agent.i18n import translations
from agent.journal.fields import NAMES
from tests.fixtures.daemon import running_daemon

RU = {"Accept-Language": "ru"}


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    with running_daemon(tmp_path_factory.mktemp("errors")) as daemon:
        transport = httpx.HTTPTransport(uds=str(daemon.socket))
        with httpx.Client(transport=transport, base_url="http://kassa", timeout=30) as client:
            yield client


def cyrillic(text: str) -> bool:
    return any("а" <= char.lower() <= "я" for char in text)


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,  # nested too deep for json.loads
        b'{"uuid": ' + b"1" * 5000 + b"}",  # an integer longer than Python converts
        b'{"uuid": "\xff\xfe"}',  # not UTF-8
        b"{oops",  # not JSON at all
    ],
    ids=["deep", "long-integer", "not-utf-8", "not-json"],
)
def test_a_body_that_is_not_readable_json_is_invalid_json_in_russian(api, body):
    answer = api.post("/v1/receipts", content=body, headers={**RU, "Content-Type": "application/json"})
    error = answer.json()["error"]
    assert answer.status_code in (400, 422) and error["code"] == "invalid_json", answer.text
    assert cyrillic(error["message"]) and "позиция" not in error["message"], error


def test_a_streamed_body_over_the_limit_is_body_too_large_as_an_announced_one(api):
    chunks = (b"x" * 65536 for _ in range(40))  # 2.5 MiB, chunked: no Content-Length
    streamed = api.post("/v1/login", content=chunks, headers=RU)
    announced = api.post("/v1/login", content=b"x" * (2 * 1024 * 1024), headers=RU)
    assert streamed.status_code == announced.status_code == 413
    assert streamed.json()["error"]["code"] == announced.json()["error"]["code"] == "body_too_large"
    assert cyrillic(streamed.json()["error"]["message"])


def test_a_union_field_is_named_as_the_client_sent_it_and_explained_in_russian(api):
    answer = api.put("/v1/sync/settings", json={"products": "x"}, headers=RU)
    assert answer.status_code == 422
    error = answer.json()["error"]
    for text in [error["message"], *(detail["field"] for detail in error["details"])]:
        assert "constrained" not in text and "literal[" not in text, error
    assert {detail["field"] for detail in error["details"]} == {"products"}
    assert all(cyrillic(detail["problem"]) for detail in error["details"]), error


def request_fields(contract: dict) -> set[str]:
    """Every name a client sends: the routes' parameters and the fields of their bodies, nested too."""
    schemas, names, seen = contract["components"]["schemas"], set(), set()

    def walk(schema) -> None:
        if isinstance(schema, list):
            for item in schema:
                walk(item)
        elif isinstance(schema, dict):
            if "$ref" in schema:
                name = schema["$ref"].rsplit("/", 1)[-1]
                if name not in seen:
                    seen.add(name)
                    walk(schemas[name])
                return
            names.update(schema.get("properties", {}))
            for value in [*schema.get("properties", {}).values(), *schema.values()]:
                if isinstance(value, dict | list):
                    walk(value)

    for operations in contract["paths"].values():
        for operation in operations.values():
            names.update(parameter["name"] for parameter in operation.get("parameters", []))
            walk(operation.get("requestBody", {}))
    return names


def test_every_field_a_client_sends_has_a_name_in_russian(api):
    contract = api.get("/v1/openapi.json").json()
    catalog = translations("ru")
    unnamed = sorted(name for name in request_fields(contract) if name not in NAMES)
    assert not unnamed, f"add to NAMES in agent/journal/fields.py: {unnamed}"
    assert all(cyrillic(catalog.gettext(NAMES[name])) for name in request_fields(contract))


LATIN = re.compile(r"[A-Za-z]+")
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|\([^)]*\)")  # values to send and names in brackets: not prose


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/v1/products?limit=1000000000", None),
        ("GET", "/v1/documents?state=bogus", None),
        ("GET", "/v1/documents?since=2026-01-01T00:00:00", None),
        ("GET", "/v1/receipts?before_id=0", None),
        ("POST", "/v1/devices/test", {"device": "fax"}),
        ("PUT", "/v1/sync/settings", {"mass_delete_share": 5}),
        ("PUT", "/v1/sync/settings", {"products": 61}),
        ("PUT", "/v1/sync/settings", {"zero_total_orders": "later"}),
    ],
    ids=["limit", "state", "since", "before-id", "device", "share", "interval", "zero-total"],
)
def test_a_refused_field_is_explained_in_russian_alone_with_its_path_in_details(api, method, path, body):
    answer = api.request(method, path, json=body, headers=RU)
    error = answer.json()["error"]
    assert answer.status_code == 422 and error["code"] == "validation_error", answer.text
    assert [set(detail) for detail in error["details"]] == [{"field", "problem"}], error
    for text in [error["message"], error["details"][0]["problem"]]:
        prose = QUOTED.sub("", text)
        assert cyrillic(text) and not LATIN.findall(prose) and "{" not in text, text
    assert error["details"][0]["field"] in path or error["details"][0]["field"] in body, error


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"content": b'{"uuid": "x"}', "headers": {"Content-Type": "text/plain"}},
        {"content": b"uuid=x", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
        {"json": [{"uuid": "x"}]},
        {},
    ],
    ids=["text-plain", "form", "list", "no-body"],
)
def test_a_body_that_is_not_one_json_object_is_invalid_json_saying_so(api, request_kwargs):
    headers = {**RU, **request_kwargs.pop("headers", {})}
    answer = api.post("/v1/receipts", headers=headers, **request_kwargs)
    error = answer.json()["error"]
    assert answer.status_code == 422 and error["code"] == "invalid_json", answer.text
    assert cyrillic(error["message"]) and "application/json" in error["message"], error


def test_a_rule_between_fields_is_explained_without_a_field_name(api):
    correction = {
        "uuid": "3f2b8c1e-5d4a-4e6f-9a7b-0c1d2e3f4a5b",
        "reason": "ошибка кассира",
        "type": "order",  # by the tax service's order, without the order's number
        "lines": [{"name": "Хлеб", "price": 4990}],
    }
    answer = api.post("/v1/corrections", json=correction, headers=RU)
    error = answer.json()["error"]
    assert answer.status_code == 422 and error["code"] == "validation_error", answer.text
    assert error["message"].startswith("неверный запрос: для коррекции"), error
    assert "?" not in error["message"] and not LATIN.findall(QUOTED.sub("", error["message"])), error


@pytest.mark.parametrize(
    "path", ["/v1/" + "a" * 10_000, "/v1/%00%1b[31m%e2%80%ae\u2028x"], ids=["long", "control"]
)
def test_a_path_named_in_an_answer_is_one_short_printable_line(api, path):
    for method in ("GET", "DELETE"):
        answer = api.request(method, path, headers=RU)
        assert answer.status_code == 404, answer.text
        message = answer.json()["error"]["message"]
        assert len(message) < 200 and message.isprintable(), message
        assert cyrillic(message)
    answer = api.request("PATCH", "/v1/status")
    assert answer.status_code == 405 and answer.json()["error"]["message"].isprintable()
