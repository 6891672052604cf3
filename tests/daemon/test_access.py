"""Who may call what, on a real daemon: every route of the role table, called without a session,
with a cashier's, with an administrator's (all from a real unprivileged process in the socket's
group), and as the technician (root). Generated from the table, so a new route cannot be forgotten."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from fastapi.routing import APIRoute
from sqlmodel import select

from agent.api.access import ADMINISTRATOR, CASHIER, PUBLIC, ROUTES
from agent.api.app import OPENAPI_URL, create_app
from agent.pin_hash import hash_pin
from agent.store import open_store
from agent.store.models import Employee, FiscalDocument
from tests.conftest import REPO, uid
from tests.fixtures.daemon import running_daemon
from tests.fixtures.kkt import kkt_config, kkt_emulator
from tests.sync.harness import wait_register_ready

NOBODY, NOGROUP = 65534, 65534
CASHIER_PIN, ADMIN_PIN = "2468", "1357"


def app_routes() -> set[str]:
    app = create_app(ctx=None)
    paths = app.openapi()["paths"]
    found = {f"{method.upper()} {path}" for path, operations in paths.items() for method in operations}
    found |= {f"{m} {r.path}" for r in app.routes if isinstance(r, APIRoute) for m in r.methods}
    return found | {f"GET {OPENAPI_URL}"}


def test_every_route_is_in_the_role_table_and_the_table_has_no_stale_route():
    assert app_routes() == set(ROUTES)


def concrete(route: str) -> tuple[str, str]:
    method, path = route.split(" ", 1)
    return method, path.replace("{receipt_id}", "999").replace("{order_id}", "999").replace("{code}", "NOPE")


# run as an unprivileged user: every route without a session, as a cashier and as an administrator
CLIENT = r"""
import json, sys, httpx
socket, routes, pins = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
http = httpx.Client(transport=httpx.HTTPTransport(uds=socket), base_url="http://kassa", timeout=60)
out = {}
def call(method, path, headers):
    body = {} if method in ("POST", "PUT") else None
    r = http.request(method, path, json=body, headers=headers)
    return [r.status_code, r.json() if r.content else None]
for who, pin in [("public", None)] + list(pins.items()):
    headers = {"Accept-Language": "ru"}
    if pin:
        login = http.post("/v1/login", json={"pin": pin}).json()
        headers["Authorization"] = "Bearer " + login["token"]
        out[who + ":session"] = http.get("/v1/session", headers=headers).json()
    out[who] = {f"{m} {p}": call(m, p, headers) for m, p in routes}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    base = tmp_path_factory.mktemp("access")
    with running_daemon(base, config='[agent]\nsocket_group = "nogroup"\n') as daemon:
        os.chmod(daemon.socket.parent, 0o755)
        store = open_store(daemon.state_dir, migrate=False)
        with store.write() as session:
            session.add(Employee(name="Петров", role="cashier", pin_hash=hash_pin(CASHIER_PIN)))
            session.add(Employee(name="Иванова", role="administrator", pin_hash=hash_pin(ADMIN_PIN)))
        store.close()
        yield daemon


def documents(daemon) -> int:
    store = open_store(daemon.state_dir, migrate=False)
    try:
        with store.read() as session:
            return len(session.exec(select(FiscalDocument)).all())
    finally:
        store.close()


def unprivileged(daemon, routes: list[tuple[str, str]], pins: dict | None = None) -> dict:
    pins = {CASHIER: CASHIER_PIN, ADMINISTRATOR: ADMIN_PIN} if pins is None else pins
    drop = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOGROUP}", "--clear-groups"]
    result = subprocess.run(
        [*drop, sys.executable, "-c", CLIENT, str(daemon.socket), json.dumps(routes), json.dumps(pins)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout)


def test_every_route_by_role_from_a_real_unprivileged_process(daemon):
    routes = sorted((concrete(route) for route in ROUTES), key=lambda r: r[1] == "/v1/logout")  # last
    before = documents(daemon)
    seen = unprivileged(daemon, routes)
    assert documents(daemon) == before  # nothing refused (nor the empty bodies) reached the journal
    rank = {PUBLIC: 0, CASHIER: 1, ADMINISTRATOR: 2}
    for who in (PUBLIC, CASHIER, ADMINISTRATOR):
        for route, rule in ROUTES.items():
            status, body = seen[who][" ".join(concrete(route))]
            if rule.role not in rank or rank[who] < rank[rule.role]:
                expected = 401 if who == PUBLIC else 403
                assert status == expected, (who, route, status, body)
                assert body["error"]["code"] == ("login_required" if who == PUBLIC else "forbidden")
                assert any("а" <= char <= "я" for char in body["error"]["message"].lower())  # Russian
                if who != PUBLIC:
                    assert body["error"]["details"]["role"] == rule.role
            else:
                assert status not in (401, 403), (who, route, status, body)
    assert seen["cashier:session"]["role"] == CASHIER
    assert "POST /v1/cash/out" not in seen["cashier:session"]["allowed"]
    assert "POST /v1/cash/out" in seen["administrator:session"]["allowed"]


def test_every_route_as_the_technician(daemon):
    with daemon.http() as http:
        assert http.get("/v1/session").json()["role"] == "technician"
        for route in ROUTES:
            method, path = concrete(route)
            response = http.request(method, path, json={} if method in ("POST", "PUT") else None)
            assert response.status_code not in (401, 403, 500), (route, response.text)


def test_a_session_cannot_sign_for_another_employee_and_logout_ends_it(daemon):
    with daemon.http() as http:
        token = http.post("/v1/login", json={"pin": CASHIER_PIN}).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        sale = {
            "uuid": "3f2b8c1e-5d4a-4e6f-9a7b-0c1d2e3f4a5b",
            "lines": [{"name": "x", "price": 100}],
            "cashier": {"name": "Someone Else"},
        }
        refused = http.post("/v1/receipts", json=sale, headers=auth)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
        assert http.post("/v1/logout", headers=auth).json() == {"logged_out": True}
        # root with a dead token is told to log in again: neither the old employee nor the technician
        ended = http.get("/v1/session", headers={**auth, "Accept-Language": "ru"})
        assert ended.status_code == 401 and ended.json()["error"]["code"] == "login_required"
        assert http.get("/v1/session").json()["role"] == "technician"  # no token: the technician


def test_docs_local_api_is_generated_from_the_current_openapi_document():
    from agent.api.docs import current
    from tests.conftest import REPO

    assert (REPO / "docs" / "local-api.md").read_text(encoding="utf-8") == current(), (
        "docs/local-api.md is stale: python -m agent.api.docs > docs/local-api.md"
    )


def test_every_route_declares_its_answer_model_in_the_contract():
    undeclared = []
    for path, operations in create_app(ctx=None).openapi()["paths"].items():
        for method, operation in operations.items():
            answers = {status: spec for status, spec in operation["responses"].items() if status < "300"}
            if path == OPENAPI_URL or set(answers) == {"204"}:
                continue
            schemas = [
                spec.get("content", {}).get("application/json", {}).get("schema", {})
                for spec in answers.values()
            ]
            if not any("$ref" in schema for schema in schemas):
                undeclared.append(f"{method.upper()} {path}")
    assert not undeclared, f"declare response_model=agent.api.schemas.<Model> on {undeclared}"


def test_a_register_nobody_can_log_in_to_is_paired_only_by_the_technician(tmp_path):
    """With no employees the setup routes open for everyone, but never pairing or the exchange settings:
    otherwise anyone in the socket's group could point a register whose employees were deleted elsewhere."""
    with running_daemon(tmp_path, config='[agent]\nsocket_group = "nogroup"\n') as fresh:
        os.chmod(fresh.socket.parent, 0o755)
        routes = [concrete(route) for route, rule in ROUTES.items() if rule.setup]
        routes += [("POST", "/v1/pairing"), ("PUT", "/v1/sync/settings"), ("DELETE", "/v1/pairing")]
        seen = unprivileged(fresh, routes, pins={})[PUBLIC]
    for route, rule in ROUTES.items():
        if rule.setup:
            assert seen[" ".join(concrete(route))][0] not in (401, 403), route
    for route in ("POST /v1/pairing", "PUT /v1/sync/settings", "DELETE /v1/pairing"):
        assert seen[route][0] == 401, (route, seen[route])


def test_a_cashiers_token_after_a_restart_sells_nothing_as_the_technician(tmp_path):
    """A TUI run as root (or a till program running as the kassa user) keeps its cashier's token
    across a daemon restart, which ends every session: its next sale must not go out under the
    default cashier with the technician's rights, but ask for the PIN again."""
    with kkt_emulator(tmp_path) as kkt, running_daemon(tmp_path, config=kkt_config(kkt)) as daemon:
        store = open_store(daemon.state_dir, migrate=False)
        with store.write() as session:
            session.add(Employee(name="Петров", role="cashier", pin_hash=hash_pin(CASHIER_PIN)))
        store.close()
        wait_register_ready(daemon.client(timeout=60))
        with daemon.http(timeout=60) as http:
            token = http.post("/v1/login", json={"pin": CASHIER_PIN}).json()["token"]
            auth = {"Authorization": f"Bearer {token}", "Accept-Language": "ru"}
            sale = {"uuid": uid("before-restart"), "lines": [{"name": "Хлеб", "price": 4990}]}
            sold = http.post("/v1/receipts", json=sale, headers=auth)
            assert sold.status_code == 403  # a cashier's free price: the session is the cashier's
            daemon.restart()
            wait_register_ready(daemon.client(timeout=60))
            before = len(kkt.receipts())
            after = http.post("/v1/receipts", json={**sale, "uuid": uid("after-restart")}, headers=auth)
            assert after.status_code == 401 and after.json()["error"]["code"] == "login_required", after.text
            assert len(kkt.receipts()) == before
            cash_out = http.post("/v1/cash/out", json={"uuid": uid("out"), "amount": 100}, headers=auth)
            assert cash_out.status_code == 401


def test_docs_local_api_says_what_the_served_contract_says(daemon):
    """docs/local-api.md is what an integrator reads: each route's answers (a 204 too), each
    parameter's choices and bounds, each field's description, and what a map holds."""
    with daemon.http() as http:
        contract = http.get("/v1/openapi.json").json()
    text = (REPO / "docs" / "local-api.md").read_text(encoding="utf-8")
    sections = dict(re.findall(r"\n### `([^`]+)`\n(.*?)(?=\n### |\Z)", text, re.S))
    for path, operations in contract["paths"].items():
        for method, operation in operations.items():
            section = sections[f"{method.upper()} {path}"]
            for status in operation.get("responses", {}):
                assert f"- {status}: " in section, (method, path, status)
            for parameter in operation.get("parameters", []):
                schema = parameter["schema"]
                for branch in [schema, *schema.get("anyOf", ())]:
                    for value in branch.get("enum", ()):
                        assert f'`"{value}"`' in section, (method, path, parameter["name"], value)
                    if "maximum" in branch:
                        assert f"maximum {branch['maximum']}" in section, (method, path, parameter["name"])
    for name, schema in contract["components"]["schemas"].items():
        section = sections[name]
        for field, spec in (schema.get("properties") or {}).items():
            if spec.get("description"):
                assert spec["description"] in section, (name, field)
            held = spec.get("additionalProperties")
            if isinstance(held, dict) and "$ref" in held:
                assert f"map of `string` to `{held['$ref'].rsplit('/', 1)[-1]}`" in section, (name, field)
