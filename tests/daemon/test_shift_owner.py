"""A cashier closes only the shift opened in their name; an administrator or the technician closes
any. Two cashiers' sessions over the real daemon's socket, the KKT emulator over a pty."""

from __future__ import annotations

import uuid

import pytest

from agent.pin_hash import hash_pin
from agent.store import open_store
from agent.store.models import Employee
from tests.fixtures.daemon import running_daemon
from tests.fixtures.kkt import kkt_config, kkt_emulator
from tests.sync.harness import wait_register_ready

pytestmark = pytest.mark.slow

FREE_PRICE = "[access]\ncashier_free_price = true\n"
PINS = {"petrov": "2468", "sidorova": "8642", "ivanova": "1357"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("shift-owner")
    with kkt_emulator(tmp) as kkt, running_daemon(tmp, config=kkt_config(kkt) + FREE_PRICE) as daemon:
        wait_register_ready(daemon.client(timeout=120))
        store = open_store(daemon.state_dir, migrate=False)
        with store.write() as session:
            session.add(Employee(name="Петров", role="cashier", pin_hash=hash_pin(PINS["petrov"])))
            session.add(Employee(name="Сидорова", role="cashier", pin_hash=hash_pin(PINS["sidorova"])))
            session.add(Employee(name="Иванова", role="administrator", pin_hash=hash_pin(PINS["ivanova"])))
        store.close()
        with daemon.http(timeout=120) as http:
            yield kkt, http


def fresh() -> str:
    return str(uuid.uuid4())


def session(http, who: str, language: str = "ru") -> dict:
    token = http.post("/v1/login", json={"pin": PINS[who]}).json()["token"]
    return {"Authorization": f"Bearer {token}", "Accept-Language": language}


def close(http, headers):
    return http.post("/v1/shift/close", json={"uuid": fresh()}, headers=headers)


def test_a_cashier_closes_only_their_own_shift(stack):
    kkt, http = stack
    petrov, sidorova = session(http, "petrov"), session(http, "sidorova")
    opened = http.post("/v1/shift/open", json={"uuid": fresh()}, headers=petrov)
    assert opened.status_code == 201, opened.text
    number = opened.json()["shift"]["number"]
    assert opened.json()["shift"]["opened_by"] == "Петров"
    assert http.get("/v1/shift", headers=sidorova).json()["opened_by"] == "Петров"

    refused = close(http, sidorova)
    assert refused.status_code == 403, refused.text
    error = refused.json()["error"]
    assert error["code"] == "forbidden"
    assert error["message"] == (
        f"смену {number} открыл(а) Петров: закрыть её может только он(а) или администратор"
    )
    assert error["details"]["role"] == "administrator" and error["details"]["opened_by"] == "Петров"
    english = close(http, {**sidorova, "Accept-Language": "en"}).json()["error"]["message"]
    assert english == f"shift {number} was opened by Петров: only they or an administrator may close it"
    assert http.get("/v1/shift").json()["open"]  # nothing reached the register
    assert not [doc for doc in kkt.journal() if doc["type"] == "shift_close"]

    closed = close(http, petrov)
    assert closed.status_code == 201, closed.text
    assert closed.json()["document"]["type"] == "shift_close" and not closed.json()["shift"]["open"]


def test_a_shift_opened_by_a_sale_is_its_cashiers(stack):
    _kkt, http = stack
    sidorova, petrov = session(http, "sidorova"), session(http, "petrov")
    sale = {"uuid": fresh(), "lines": [{"name": "Хлеб", "price": 4990}]}
    assert http.post("/v1/receipts", json=sale, headers=sidorova).status_code == 201
    assert close(http, petrov).status_code == 403
    assert close(http, sidorova).status_code == 201


def test_an_administrator_and_the_technician_close_anyones_shift(stack):
    _kkt, http = stack
    petrov, ivanova = session(http, "petrov"), session(http, "ivanova")
    assert http.post("/v1/shift/open", json={"uuid": fresh()}, headers=petrov).status_code == 201
    assert close(http, ivanova).status_code == 201
    assert http.post("/v1/shift/open", json={"uuid": fresh()}, headers=petrov).status_code == 201
    assert close(http, {}).status_code == 201  # root on the socket: the technician


def test_a_shift_opened_in_no_ones_name_is_closed_by_an_administrator(stack):
    _kkt, http = stack
    # the technician opens it with no cashier configured: no employee's name on its opening
    assert http.post("/v1/shift/open", json={"uuid": fresh()}).status_code == 201
    refused = close(http, session(http, "petrov"))
    assert refused.status_code == 403
    assert "открыта не на ваше имя" in refused.json()["error"]["message"]
    assert close(http, session(http, "ivanova")).status_code == 201
