"""Pairing with a sync code against a real server on loopback, with a clock the test moves."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest
from sqlalchemy import select

from sim.backoffice import tables as t
from tests.conftest import REPO
from tests.fixtures.backoffice import EMULATOR_REGISTER, backoffice_server


def error(answer: httpx.Response) -> str:
    return answer.json()["error"]["code"]


def test_pairing_returns_a_token_organization_and_store(office):
    answer = office.pair()
    assert answer.status_code == 200
    body = answer.json()
    assert body["organization"] == {"name": "ООО «Ромашка»", "inn": "7701234560"}
    assert body["store"]["name"] == "Магазин у дома" and body["store"]["address"]
    with office.client(body["token"]) as client:
        me = client.get("/api/v1/register").json()
    assert me["register_id"] == body["register_id"]


def test_the_code_is_accepted_as_people_type_it(office):
    typed = " " + office.code().lower().replace("-", " ") + " "
    assert office.pair(code=typed).status_code == 200


def test_unknown_and_used_codes_are_404(office):
    code = office.code()
    assert office.pair(code=code).status_code == 200
    again = office.pair(code=code)
    assert again.status_code == 404 and error(again) == "code_unknown"
    mistyped = office.pair(code=code[:-1] + ("0" if code[-1] != "0" else "1"))
    assert mistyped.status_code == 404 and error(mistyped) == "code_unknown"


def test_a_code_expires_after_ten_minutes(office):
    fresh, stale = office.code(), office.code()
    office.clock.advance(minutes=9, seconds=59)
    assert office.pair(code=fresh).status_code == 200
    office.clock.advance(seconds=1)
    answer = office.pair(code=stale)
    assert answer.status_code == 410 and error(answer) == "code_expired"


def test_inn_mismatch_is_409_naming_both_inns(office):
    answer = office.pair({**EMULATOR_REGISTER, "inn": "7707083893"})
    assert answer.status_code == 409 and error(answer) == "inn_mismatch"
    message = answer.json()["error"]["message"]
    assert "7707083893" in message and "7701234560" in message
    russian = httpx.post(
        f"{office.url}/api/v1/registers/pair",
        json={"code": office.code(), "register": {**EMULATOR_REGISTER, "inn": "7707083893"}},
        headers={"Accept-Language": "ru-RU,ru;q=0.9"},
    )
    assert russian.json()["error"]["message"].startswith("ИНН кассы 7707083893")


def test_failed_attempts_are_rate_limited_per_address(office):
    for _ in range(5):
        assert office.pair(code="0000-00000").status_code == 404
    code = office.code()
    limited = office.pair(code=code)
    assert limited.status_code == 429 and error(limited) == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    office.clock.advance(seconds=61)
    assert office.pair(code=code).status_code == 200


def test_malformed_requests_are_422_naming_the_field(office):
    answer = httpx.post(f"{office.url}/api/v1/registers/pair", json={"code": "x", "register": {}})
    assert answer.status_code == 422 and error(answer) == "validation_error"
    assert "register.kkt_serial" in answer.json()["error"]["message"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/catalog"),
        ("GET", "/api/v1/employees"),
        ("GET", "/api/v1/orders"),
        ("POST", "/api/v1/documents"),
        ("POST", "/api/v1/heartbeat"),
        ("POST", "/api/v1/orders/ord-000001/status"),
    ],
)
def test_everything_else_needs_the_token(office, method, path):
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic eDp5"}):
        answer = httpx.request(method, office.url + path, headers=headers, json={})
        assert answer.status_code == 401 and error(answer) == "unauthorized"
        assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_pairing_again_replaces_the_token_and_keeps_the_register(office):
    first = office.pair().json()
    second = office.pair().json()
    assert second["register_id"] == first["register_id"]
    with office.client(first["token"]) as old, office.client(second["token"]) as new:
        assert old.get("/api/v1/catalog").status_code == 401
        assert new.get("/api/v1/catalog").status_code == 200


def test_heartbeat_is_recorded(office, token):
    with office.client(token) as client:
        answer = client.post(
            "/api/v1/heartbeat",
            json={"printer": {"state": "ready"}, "queue_depth": 3, "agent_version": "0.1"},
        )
    assert answer.json() == {"ok": True}
    with office.engine.begin() as conn:
        row = conn.execute(select(t.register)).one()
    assert row.heartbeat["queue_depth"] == 3 and row.last_seen_at == office.clock()


def test_from_a_shell_code_then_pair_and_expiry_through_the_offset_file(tmp_path):
    with backoffice_server(tmp_path, products=3, employees=1) as office:
        printed = subprocess.run(
            [sys.executable, "-m", "agent", "backoffice", "code", "--db", str(office.db)],
            capture_output=True,
            text=True,
            cwd=REPO,
            check=True,
            timeout=60,
        ).stdout
        assert printed.count("\n") == 1
        code = printed.strip()
        answer = httpx.post(
            f"{office.url}/api/v1/registers/pair", json={"code": code, "register": EMULATOR_REGISTER}
        )
        assert answer.status_code == 200
        stale = office.code()
        office.advance(601)
        answer = httpx.post(
            f"{office.url}/api/v1/registers/pair", json={"code": stale, "register": EMULATOR_REGISTER}
        )
        assert answer.status_code == 410 and error(answer) == "code_expired"


def test_the_openapi_schema_lists_every_endpoint(office):
    schema = httpx.get(f"{office.url}/openapi.json").json()
    assert set(schema["paths"]) == {
        "/api/v1/health",
        "/api/v1/registers/pair",
        "/api/v1/register",
        "/api/v1/catalog",
        "/api/v1/employees",
        "/api/v1/orders",
        "/api/v1/documents",
        "/api/v1/orders/{order_id}/status",
        "/api/v1/heartbeat",
    }
    assert "HTTPBearer" in schema["components"]["securitySchemes"]
