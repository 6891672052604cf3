"""An employee whose name has no letter the register's code page holds (a name in Chinese, emoji
alone, synced from the back office) is refused in words before the register hears of the document:
sent as an empty tag 1021, the register refused the data (0x18) and every shift, sale and cash move of
that employee failed in the journal with the register's bare error code. The real daemon, the KKT
emulator over a pty, the employee's own session."""

from __future__ import annotations

import uuid

import pytest

from agent.pin_hash import hash_pin
from agent.store import open_store
from agent.store.models import Employee
from tests.fixtures.daemon import running_daemon
from tests.fixtures.kkt import kkt_config, kkt_emulator
from tests.journal.e2e import PRODUCTS, journal_rows
from tests.sync.harness import wait_register_ready

pytestmark = pytest.mark.slow

PINS = {"王芳": "2468", "🙂": "8642", "Li 王芳": "1357"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cashier-name")
    with kkt_emulator(tmp) as kkt, running_daemon(tmp, config=kkt_config(kkt)) as daemon:
        wait_register_ready(daemon.client(timeout=120))
        store = open_store(daemon.state_dir, migrate=False)
        with store.write() as session:
            for name, pin in PINS.items():
                session.add(Employee(name=name, role="administrator", pin_hash=hash_pin(pin)))
            session.add(PRODUCTS[0].model_copy())
        store.close()
        with daemon.http(timeout=120) as http:
            yield kkt, daemon, http


def as_employee(http, name: str) -> dict:
    token = http.post("/v1/login", json={"pin": PINS[name]}).json()["token"]
    return {"Authorization": f"Bearer {token}", "Accept-Language": "ru"}


@pytest.mark.parametrize("name", ["王芳", "🙂"], ids=["cjk", "emoji"])
def test_a_cashier_name_the_register_cannot_print_is_refused_before_the_register(stack, name):
    kkt, daemon, http = stack
    headers = as_employee(http, name)
    before_fn, before_rows = len(kkt.journal()), len(journal_rows(daemon))
    calls = [
        ("/v1/shift/open", {"uuid": str(uuid.uuid4())}),
        ("/v1/receipts", {"uuid": str(uuid.uuid4()), "lines": [{"code": "BREAD"}]}),
        ("/v1/cash/in", {"uuid": str(uuid.uuid4()), "amount": 100}),
    ]
    for path, body in calls:
        answer = http.post(path, json=body, headers=headers)
        assert answer.status_code == 422, (path, answer.text)
        error = answer.json()["error"]
        assert error["code"] == "cashier_name_unprintable", (path, error)
        assert error["message"] == (
            f"в имени кассира «{name}» нет ни одной буквы, которую может напечатать касса (тег 1021): "
            "сотруднику нужно имя кириллицей или латиницей"
        )
    assert len(kkt.journal()) == before_fn  # nothing reached the FN
    assert len(journal_rows(daemon)) == before_rows  # and no failed row was written


def test_a_name_with_some_letters_the_register_prints_goes_out_as_it_prints_them(stack):
    kkt, _daemon, http = stack
    headers = as_employee(http, "Li 王芳")
    opened = http.post("/v1/shift/open", json={"uuid": str(uuid.uuid4())}, headers=headers)
    assert opened.status_code == 201, opened.text
    assert opened.json()["shift"]["opened_by"] == "Li"
    (shift_open,) = [doc for doc in kkt.journal() if doc["type"] == "shift_open"]
    assert shift_open["tags"]["1021"] == "Li"
