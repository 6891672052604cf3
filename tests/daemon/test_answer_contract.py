"""Every answer of the local API carries only what its model in the OpenAPI document declares: a
register paired with the reference back office sells, returns, corrects, moves cash, syncs and
fiscalizes an order over the real socket, and each answer is read into the model the contract
names for its route and status (answers allow extra keys, so an undeclared one would pass
unnoticed by an integrator's generated client)."""

from __future__ import annotations

import re

import httpx
import pytest

from agent.api import schemas
from tests.conftest import uid
from tests.daemon.test_status_contract import undeclared
from tests.fixtures.backoffice import backoffice_server
from tests.fixtures.daemon import running_daemon
from tests.fixtures.kkt import kkt_config, kkt_emulator
from tests.sync.harness import paired_by_hand

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def register(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("answer-contract")
    with (
        kkt_emulator(tmp) as kkt,
        backoffice_server(tmp, products=20, employees=2, orders=3) as bo,
        running_daemon(tmp, config=kkt_config(kkt)) as daemon,
    ):
        paired_by_hand(daemon, bo.code(), bo.url)
        with daemon.http(timeout=120) as http:
            yield http, http.get("/v1/openapi.json").json(), bo


def model_of(contract: dict, answer: httpx.Response) -> type:
    """The model the contract names for this answer's route and status."""
    path = answer.request.url.path
    for template, operations in contract["paths"].items():
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path):
            operation = operations[answer.request.method.lower()]
            schema = operation["responses"][str(answer.status_code)]["content"]["application/json"]
            return getattr(schemas, schema["schema"]["$ref"].rsplit("/", 1)[-1])
    raise AssertionError(f"{path} is in no route of the contract")


def test_every_answer_declares_every_key_it_carries(register):
    http, contract, _bo = register
    answers = [http.post("/v1/sync", json={"wait": True})]
    products = http.get("/v1/products").json()["items"]
    unmarked = [product["code"] for product in products if not product["marked"]]
    sale = {
        "uuid": uid("contract-sale"),
        "lines": [{"code": unmarked[0], "quantity": "2"}],
        "payments": [{"kind": "cash", "amount": 10**6}],
    }
    answers += [http.post("/v1/receipts", json=sale), http.post("/v1/receipts", json=sale)]
    sold = answers[-1].json()["id"]
    answers.append(http.post(f"/v1/receipts/{sold}/return", json={"uuid": uid("contract-return")}))
    correction = {
        "uuid": uid("contract-correction"),
        "reason": "продажа без чека",
        "lines": [{"name": "Хлеб", "price": 4990, "tax": "vat10"}],
    }
    answers.append(http.post("/v1/corrections", json=correction))
    answers.append(http.post("/v1/cash/in", json={"uuid": uid("contract-cash"), "amount": 5000}))
    orders = http.get("/v1/orders").json()["items"]
    answers.append(http.post(f"/v1/orders/{orders[0]['id']}/lines/1", json={"code": unmarked[1]}))
    answers.append(http.post(f"/v1/orders/{orders[1]['id']}/fiscalize", json={}))
    answers.append(http.post("/v1/sync", json={"wait": True}))
    for path in ["/v1/receipts", f"/v1/receipts/{sold}", "/v1/orders", "/v1/documents", "/v1/shift"]:
        answers.append(http.get(path))
    answers.append(http.post("/v1/reports/x"))

    found = []
    for answer in answers:
        assert answer.status_code < 300, answer.text
        model = model_of(contract, answer)
        where = f"{answer.request.method} {answer.request.url.path}"
        found += undeclared(model.model_validate(answer.json()), where)
    assert "\n".join(sorted({re.sub(r"\[\d+\]", "[]", path) for path in found})) == ""


def test_orders_come_in_pages_to_the_last_one_and_an_unknown_status_is_refused(register):
    http, _contract, _bo = register
    http.post("/v1/sync", json={"streams": ["orders"], "wait": True})
    every = [order["id"] for order in http.get("/v1/orders").json()["items"]]
    assert len(every) == 3 and every == sorted(every, reverse=True)
    seen, before = [], {}
    for _ in range(len(every)):  # a page that ignores before_id must not loop for ever
        page = http.get("/v1/orders", params={"limit": 2, **before}).json()["items"]
        seen += [order["id"] for order in page]
        before = {"before_id": page[-1]["id"] if page else 1}
    assert seen == every
    refused = http.get("/v1/orders", params={"status": "wating"}, headers={"Accept-Language": "ru"})
    error = refused.json()["error"]
    assert refused.status_code == 422 and error["details"][0]["field"] == "status", refused.text
    assert "'waiting'" in error["message"] and "статус" in error["message"]


def test_the_status_names_the_pairing_as_pairing_answered_it(register):
    """The register's id at the back office and when it was paired: in the contract's Pairing of
    GET /v1/status too, not only in the one answer to POST /v1/pairing."""
    http, _contract, bo = register
    [registered] = bo.registers()
    pairing = http.get("/v1/status").json()["pairing"]
    assert pairing["register_id"] == registered["id"] and pairing["paired_at"], pairing
