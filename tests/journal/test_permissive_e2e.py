"""The permissive mode end to end: the daemon asks the fake national marking system over loopback
HTTP before a sale of marked goods, carries its answer's id and time on each unit's FN position
(tag 1260: 1262 "030", 1263 "21.11.2023", 1264 "1944", 1265 "UUID=...&Time=..."), refuses the units
the decree bans in words, and sells without it when the system is down or slow."""

from __future__ import annotations

import json
import re
import time

import pytest

from agent.client import DaemonError
from sim.kkt.marks import issue
from tests.conftest import uid
from tests.fixtures.marking_api import fake_marking_system
from tests.journal.e2e import MILK_GTIN, add_marked_milk, agreement, register_and_daemon

pytestmark = pytest.mark.slow

PERMIT = re.compile(r"^UUID=[0-9a-f-]{36}&Time=\d{13}$")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("permissive")
    with fake_marking_system() as system:
        config = f'[marking]\npermissive_url = "{system.url}"\npermissive_timeout = 1.0\n'
        with register_and_daemon(tmp, config=config) as (kkt, daemon):
            add_marked_milk(daemon)
            yield system, kkt, daemon


@pytest.fixture
def client(world):
    with world[2].client(timeout=120) as client:
        yield client


@pytest.fixture(autouse=True)
def journals_agree(world):
    system, kkt, daemon = world
    yield
    system.delay, system.down = 0.0, False
    system.expire_date = "2099-12-31T00:00:00.000Z"
    assert agreement(kkt, daemon) == []


def sale(client, name: str, codes: list[str]) -> dict:
    return client.post(
        "/v1/receipts",
        json={"uuid": uid(name), "lines": [{"code": "MILK-M", "quantity": len(codes), "marks": codes}]},
    )


def industry(kkt, fd: int) -> list:
    items = next(doc for doc in kkt.journal() if doc["fd"] == fd)["items"]
    found = []
    for item in items:
        value = (item.get("tags") or {}).get("1260") or item.get("industry")
        found.append(json.loads(value) if isinstance(value, str) else value)
    return found


def test_a_sale_carries_the_online_checks_id_and_time_on_each_position(world, client):
    system, kkt, _daemon = world
    before = system.requests
    codes = [issue(MILK_GTIN), issue(MILK_GTIN)]
    receipt = sale(client, "p-sale", codes)
    assert system.requests == before + 1  # one request for the whole receipt
    permits = [mark["permit"] for mark in receipt["lines"][0]["marks"]]
    assert permits[0] == permits[1] and PERMIT.match(permits[0]), permits
    requisites = industry(kkt, receipt["fd"])
    assert requisites == [{"1262": "030", "1263": "21.11.2023", "1264": "1944", "1265": permits[0]}] * 2


@pytest.mark.parametrize(
    ("state", "words"),
    [({"sold": True}, "as sold already"), ({"blocked": True}, "blocked the sale")],
)
def test_units_the_decree_bans_are_refused_in_words_before_the_register(world, client, state, words):
    system, kkt, _daemon = world
    code = issue(MILK_GTIN)
    before = len(kkt.receipts())
    if state.get("sold"):
        system.sold.add(code[:16] + code[16:].split("\x1d")[0])
    if state.get("blocked"):
        system.blocked.add(MILK_GTIN)
    try:
        with pytest.raises(DaemonError) as caught:
            sale(client, f"p-banned-{words}", [code])
    finally:
        system.blocked.clear()
    assert caught.value.status == 422 and words in caught.value.message
    assert len(kkt.receipts()) == before


@pytest.mark.parametrize("fault", ["down", "slow"])
def test_without_an_answer_in_time_the_sale_goes_on_without_the_requisite(world, client, fault):
    system, kkt, _daemon = world
    if fault == "down":
        system.down = True
    else:
        system.delay = 5.0
    started = time.monotonic()
    receipt = sale(client, f"p-{fault}", [issue(MILK_GTIN)])
    assert receipt["status"] == "fiscalized" and receipt["lines"][0]["marks"][0]["permit"] is None
    assert industry(kkt, receipt["fd"]) == [None]
    assert time.monotonic() - started < 4.5  # the whole check stopped at its 1 s deadline


def test_a_scan_time_check_asks_the_system_too_and_says_why_not(world, client):
    system, _kkt, _daemon = world
    code = issue(MILK_GTIN)
    assert client.post("/v1/marks/check", json={"code": code})["allowed"]
    system.sold.add(code[:16] + code[16:].split("\x1d")[0])
    refused = client.post("/v1/marks/check", json={"code": code}, headers={"Accept-Language": "ru"})
    assert not refused["allowed"] and "уже продан" in refused["message"]


@pytest.mark.parametrize("written", ["2020-01-01", "2020-01-01T00:00:00.000"])
def test_an_expiry_date_without_a_zone_is_read_as_utc(world, client, written):
    system, kkt, _daemon = world
    before = len(kkt.receipts())
    system.expire_date = written
    with pytest.raises(DaemonError) as caught:
        sale(client, f"p-expired-{written}", [issue(MILK_GTIN)])
    assert caught.value.status == 422 and "past their expiry date" in caught.value.message
    assert len(kkt.receipts()) == before
    system.expire_date = written.replace("2020", "2099")
    receipt = sale(client, f"p-fresh-{written}", [issue(MILK_GTIN)])
    assert PERMIT.match(receipt["lines"][0]["marks"][0]["permit"])


def test_an_unreadable_expiry_date_is_no_answer_and_the_sale_goes_on_without_the_requisite(world, client):
    system, kkt, _daemon = world
    system.expire_date = "soon"
    receipt = sale(client, "p-unreadable", [issue(MILK_GTIN)])
    assert receipt["status"] == "fiscalized" and receipt["lines"][0]["marks"][0]["permit"] is None
    assert industry(kkt, receipt["fd"]) == [None]
