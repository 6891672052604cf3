"""Correction receipts of marked goods end to end: the daemon's API and CLI over a real pty to the KKT
emulator's FN. A correction of a sale or of a return carries one code per unit, checked and bound by
the FN as a sale's are (FFD 1.2: a correction's positions have the same 1163/2106 requisites), so a
unit sold without the register is taken out of circulation by its correction; an expense of marked
goods is refused in words before any code is asked for."""

from __future__ import annotations

import contextlib
import json
import sqlite3

import pytest

from agent.client import DaemonError
from agent.store import DATABASE_NAME
from sim.kkt.marks import issue
from tests.conftest import run_kassa, uid
from tests.journal.e2e import MILK_GTIN, add_marked_milk, agreement, register_and_daemon

pytestmark = pytest.mark.slow

GS = "\x1d"
REASON = "продажа при неработающей кассе"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("correction-marks")
    with register_and_daemon(tmp, config='[marking]\ngs_substitute = "~"\n') as (kkt, daemon):
        add_marked_milk(daemon)
        yield kkt, daemon


@pytest.fixture
def client(world):
    with world[1].client(timeout=120) as client:
        yield client


@pytest.fixture(autouse=True)
def journals_agree(world):
    yield
    kkt, daemon = world
    assert agreement(kkt, daemon) == []


def correction(client, name: str, marks: list[str] | None, sign: str = "sale", quantity: int = 1, **extra):
    line = {"code": "MILK-M", "quantity": quantity, **({"marks": marks} if marks is not None else {})}
    body = {"uuid": uid(name), "sign": sign, "reason": REASON, "lines": [line], **extra}
    return client.post("/v1/corrections", json=body)


def refused(call) -> DaemonError:
    with pytest.raises(DaemonError) as caught:
        call()
    return caught.value


def corrections(kkt) -> int:
    return sum(1 for doc in kkt.journal() if doc["type"] == "correction")


def fn_doc(kkt, fd: int) -> dict:
    return next(doc for doc in kkt.journal() if doc["fd"] == fd)


def plans(daemon, doc_id: int) -> list[tuple[str, str]]:
    path = daemon.state_dir / DATABASE_NAME
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        query = "SELECT code, plan FROM receipt_mark WHERE document_id = ? ORDER BY unit"
        return list(db.execute(query, (doc_id,)))


def test_a_correction_of_a_sale_carries_each_units_code_and_takes_it_out_of_circulation(world, client):
    kkt, daemon = world
    before = corrections(kkt)
    error = refused(lambda: correction(client, "cm-none", None, quantity=2))
    assert error.status == 422 and "scan the marking code" in error.message
    codes = [issue(MILK_GTIN), issue(MILK_GTIN)]
    error = refused(lambda: correction(client, "cm-count", codes[:1], quantity=2))
    assert "one code per unit" in error.message
    error = refused(lambda: correction(client, "cm-forged", [issue(MILK_GTIN, forged=True)]))
    assert error.status == 422 and error.code == "mark_refused"
    assert corrections(kkt) == before  # nothing reached the FN

    typed = [codes[0].replace(GS, "~"), codes[1]]  # a scanner set to send ~ for GS
    made = correction(client, "cm-sale", typed, quantity=2)
    assert made["type"] == "correction" and made["status"] == "fiscalized" and made["total"] == 2 * 8990
    assert [mark["code"] for mark in made["lines"][0]["marks"]] == codes
    on_fn = fn_doc(kkt, made["fd"])
    assert on_fn["type"] == "correction" and on_fn["tags"]["1173"] == "0"
    assert [item["mark"]["code"] for item in on_fn["items"]] == codes
    assert plans(daemon, made["id"]) == [(codes[0], "piece_sold"), (codes[1], "piece_sold")]

    # the units are sold now: a sale of one is refused as the FN's marking system says
    error = refused(
        lambda: client.post(
            "/v1/receipts",
            json={"uuid": uid("cm-after"), "lines": [{"code": "MILK-M", "marks": [codes[0]]}]},
        )
    )
    assert error.code == "mark_refused" and "already sold" in error.message

    # a correction of a return brings one back, with the unit's code and the return's plan
    refund = [{"kind": "cash", "amount": 8990}]
    back = correction(client, "cm-return", [codes[1]], sign="return", payments=refund)
    assert back["status"] == "fiscalized" and fn_doc(kkt, back["fd"])["operation"] == 2
    assert [item["mark"]["code"] for item in fn_doc(kkt, back["fd"])["items"]] == [codes[1]]
    assert plans(daemon, back["id"]) == [(codes[1], "piece_returned")]


def test_an_expense_of_marked_goods_is_refused_in_words_before_the_register(world, client):
    kkt, _daemon = world
    before = corrections(kkt)
    for sign in ("expense", "expense_return"):
        error = refused(lambda sign=sign: correction(client, f"cm-{sign}", None, sign=sign))
        assert error.status == 422 and "an expense of marked goods cannot be corrected" in error.message
    error = refused(
        lambda: client.post(
            "/v1/corrections",
            json={"uuid": uid("cm-ru"), "sign": "expense", "reason": REASON, "lines": [{"code": "MILK-M"}]},
            headers={"Accept-Language": "ru"},
        )
    )
    assert "расход маркированного товара" in error.message
    assert corrections(kkt) == before


def test_the_cli_corrects_a_sale_of_marked_goods_with_mark(world):
    kkt, daemon = world
    code = issue(MILK_GTIN)
    result = run_kassa(
        "correction", "--line", "MILK-M", "--mark", code, "--reason", REASON, "--pay", "card", "--json",
        env=daemon.env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    made = json.loads(result.stdout)
    assert [item["mark"]["code"] for item in fn_doc(kkt, made["fd"])["items"]] == [code]
    again = run_kassa("correction", "--line", "MILK-M", "--reason", REASON, "--pay", "card", env=daemon.env)
    assert again.returncode != 0 and "scan the marking code" in again.stderr
