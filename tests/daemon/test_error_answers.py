"""Bodies the API cannot read, over the real socket: one stable code each, in the caller's language,
with no pydantic names in the field paths."""

from __future__ import annotations

import httpx
import pytest

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
