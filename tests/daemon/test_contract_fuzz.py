"""The OpenAPI document drives generated requests (schemathesis, valid and invalid) at a real daemon
with the emulated register attached, as the technician and with a cashier's session; sales built
from the real catalog with hostile amounts reach the journal and the register. No answer is a 500,
none hangs, a refused request leaves the journal as it was, and nothing accepted overflows what the
register can hold."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
import uuid
from decimal import Decimal

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.core import NOT_SET
from schemathesis.generation import GenerationMode

from agent.api.app import create_app
from agent.api.schemas import MAX_MONEY
from agent.pin_hash import hash_pin
from agent.store import open_store
from agent.store.models import Barcode, Employee, Product
from tests.fixtures.daemon import running_daemon
from tests.fixtures.kkt import kkt_config, kkt_emulator

pytestmark = pytest.mark.slow

CASHIER_PIN = "2468"
# calls out to the network (a back office address from the body) or to no one at all: not fuzzed here
SKIP = {("POST", "/v1/pairing"), ("POST", "/v1/check"), ("POST", "/v1/logout")}
REFUSED = {401, 403, 404, 405, 413, 422}
SENT = {"requests": 0, "server_errors": 0}
STATUSES: dict[int, int] = {}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    base = tmp_path_factory.mktemp("fuzz")
    with kkt_emulator(base) as kkt, running_daemon(base, config=kkt_config(kkt)) as daemon:
        store = open_store(daemon.state_dir, migrate=False)
        with store.write() as session:
            session.add(Employee(name="Петров", role="cashier", pin_hash=hash_pin(CASHIER_PIN)))
            for number, (price, weighted) in enumerate([(8990, False), (0, False), (12900, True)], 1):
                product = Product(code=f"P{number}", name=f"Товар {number}", price=price, tax="vat20")
                product.weighted = weighted
                session.add(product)
                session.flush()
                session.add(Barcode(code=f"460000000000{number}", product_id=product.id))
        store.close()
        with daemon.http() as http:
            token = http.post("/v1/login", json={"pin": CASHIER_PIN}).json()["token"]
        yield {"daemon": daemon, "cashier": {"Authorization": f"Bearer {token}"}}
    print(f"\nrequests: {SENT['requests']}, server errors: {SENT['server_errors']}, by status: {STATUSES}")


def documents(daemon) -> int:
    """The journal's documents, read directly from the daemon's store."""
    path = daemon.state_dir / "kassa.db"
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)) as db:
        return db.execute("SELECT count(*) FROM fiscal_document").fetchone()[0]


def send(stack, who: str, method: str, path: str, *, params=None, body=None, raw: bytes | None = None):
    """One request; checked for a server error, a hang, a refused request touching the journal,
    and an accepted document larger than the register holds."""
    daemon = stack["daemon"]
    headers = {"Accept-Language": "ru", **(stack["cashier"] if who == "cashier" else {})}
    before = documents(daemon)
    started = time.monotonic()
    with daemon.http(timeout=60) as http:
        if raw is not None:
            headers["Content-Type"] = "application/json"
            response = http.request(method, path, params=params, content=raw, headers=headers)
        else:
            response = http.request(method, path, params=params, json=body, headers=headers)
    SENT["requests"] += 1
    STATUSES[response.status_code] = STATUSES.get(response.status_code, 0) + 1
    if response.status_code >= 500 and response.status_code != 503:
        SENT["server_errors"] += 1
    assert response.status_code < 500 or response.status_code in (503, 507), (path, body, response.text)
    assert time.monotonic() - started < 60
    if response.status_code in REFUSED:
        assert documents(daemon) == before, (path, body, response.text)
        assert "error" in response.json()
    elif response.status_code < 300 and response.content:
        answer = response.json()
        document = answer.get("document", answer) if isinstance(answer, dict) else None
        if isinstance(document, dict) and isinstance(document.get("total"), int):
            assert 0 <= document["total"] <= MAX_MONEY
            assert all(line["amount"] <= MAX_MONEY for line in document.get("lines", []))
    return response


OPENAPI = schemathesis.openapi.from_dict(create_app(ctx=None).openapi())
OPERATIONS = [
    operation
    for operation in (result.ok() for result in OPENAPI.get_all_operations())
    if (operation.method.upper(), operation.path) not in SKIP
]


def cases():
    return st.sampled_from(OPERATIONS).flatmap(
        lambda op: st.sampled_from([GenerationMode.POSITIVE, GenerationMode.NEGATIVE]).flatmap(op.as_strategy)
    )


FUZZ = settings(
    max_examples=50,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


def send_case(stack, who: str, case) -> None:
    body = None if case.body is NOT_SET else case.body
    raw = None
    try:
        json.dumps(body)
    except (TypeError, ValueError):
        raw, body = str(body).encode(), None
    send(stack, who, case.method.upper(), case.formatted_path, params=case.query or None, body=body, raw=raw)


@FUZZ
@given(case=cases())
def test_generated_requests_as_the_technician(stack, case):
    send_case(stack, "technician", case)


@FUZZ
@given(case=cases())
def test_generated_requests_with_a_cashiers_session(stack, case):
    send_case(stack, "cashier", case)


# mostly what a shop sells, often what no register holds
MONEY = st.one_of(
    st.integers(1, 10**5),
    st.integers(1, 10**6),
    st.integers(MAX_MONEY - 10, MAX_MONEY + 10),
    st.integers(0, 10**40),
)
QUANTITY = st.one_of(
    st.sampled_from(["1", "2", "1.000"]),
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal("10"), places=3).map(str),
    st.sampled_from(["99999.999", "100000", "0", "-1", "1e999999", "NaN", "1" * 4000]),
    st.integers(0, 10**30),
)


@st.composite
def sales(draw):
    lines = []
    for _ in range(draw(st.integers(1, 4))):
        line = {"quantity": draw(QUANTITY)}
        if draw(st.booleans()):
            line["code"] = draw(st.sampled_from(["P1", "P2", "P3", "NOPE"]))
            if draw(st.booleans()):
                line["price"] = draw(MONEY)
        else:
            line.update(name="Свободная цена", price=draw(MONEY))
        if draw(st.booleans()):
            line["discount"] = draw(MONEY)
        lines.append(line)
    sale = {"uuid": str(uuid.uuid4()), "lines": lines}  # each a new sale: the amounts are the point
    if draw(st.booleans()):
        sale["payments"] = [{"kind": draw(st.sampled_from(["cash", "card"])), "amount": draw(MONEY)}]
    if draw(st.booleans()):
        sale["discount_percent"] = draw(st.sampled_from(["5", "50", "100", "101"]))
    return sale


@settings(
    max_examples=60, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
@given(sale=sales(), who=st.sampled_from(["technician", "cashier"]))
def test_sales_with_hostile_amounts_reach_the_register_or_are_refused_before_it(stack, sale, who):
    send(stack, who, "POST", "/v1/receipts", body=sale)


NEW = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", f"/v1/receipts/{2**70}", None),
        ("POST", f"/v1/receipts/{2**70}/return", {"uuid": str(uuid.uuid4())}),
        ("POST", f"/v1/receipts/{2**70}/copy", None),
        ("POST", f"/v1/orders/{2**70}/fiscalize", {}),
        ("POST", f"/v1/orders/{2**70}/reject", {}),
        ("GET", f"/v1/receipts?before_id={2**70}", None),
        ("GET", f"/v1/products?offset={2**70}", None),
        ("GET", f"/v1/documents?offset={2**70}", None),
        ("POST", "/v1/cash/in", {"uuid": str(uuid.uuid4()), "amount": 2**41}),
        ("POST", "/v1/cash/in", {"uuid": str(uuid.uuid4()), "amount": int("9" * 4000)}),
        (
            "POST",
            "/v1/receipts",
            {"uuid": str(uuid.uuid4()), "lines": [{"code": "P1", "quantity": "1e999999"}]},
        ),
        (
            "POST",
            "/v1/receipts",
            {"uuid": str(uuid.uuid4()), "lines": [{"name": "x", "price": int("9" * 4000)}]},
        ),
        ("POST", "/v1/receipts", {"uuid": str(uuid.uuid4()), "lines": [{"code": "P1"}], "order_id": 2**70}),
        (
            "POST",
            "/v1/receipts",
            {
                "uuid": str(uuid.uuid4()),
                "lines": [{"name": "x", "price": 10**10, "quantity": "99999.999"}] * 500,
            },
        ),
    ],
)
def test_numbers_beyond_the_register_answer_422_or_404(stack, method, path, body):
    response = send(stack, "technician", method, path, body=body)
    assert response.status_code in (404, 422), response.text
