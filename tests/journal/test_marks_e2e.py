"""Marked goods end to end: the daemon's API over a real pty to the KKT emulator's FN.

Codes come from the emulator's own issuer (``sim.kkt.marks.issue``, what ``kassa emulate marks``
prints); the FN checks them itself and answers for the national system, so "already sold",
"forged" and "offline" are the emulated FN's answers, not the agent's guesses.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3

import pytest
from sqlmodel import select

from agent.client import DaemonError
from agent.journal.payload import document_payloads
from agent.store import DATABASE_NAME, Store
from agent.store.models import Barcode, FiscalDocument, Product
from sim.kkt.marks import issue
from tests.conftest import run_kassa, uid
from tests.journal.e2e import agreement, register_and_daemon

pytestmark = pytest.mark.slow

MILK_GTIN = "04607009780047"  # (04600000000015 is the emulated system's suspended one)
SHOES_GTIN = "04690257528523"
CHEESE_GTIN = "04650065600453"
KEFIR_GTIN = "04607009780115"
JUICE_GTIN = "00061234567899"  # a UPC-A barcode: 061234567899
GS = "\x1d"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with register_and_daemon(tmp_path_factory.mktemp("marks")) as (kkt, daemon):
        with contextlib.closing(Store(daemon.state_dir / DATABASE_NAME)) as store, store.write() as session:
            for code, name, price, group, barcode in (
                ("MILK-M", "Молоко маркированное", 8990, "milk", MILK_GTIN[1:]),
                ("SHOES-M", "Кеды", 499000, "shoes", SHOES_GTIN[1:]),
                ("CHEESE-M", "Сыр весовой", 89900, "milk", CHEESE_GTIN[1:]),
                ("KEFIR-M", "Кефир на розлив", 201, "milk", KEFIR_GTIN[1:]),
                ("JUICE-M", "Сок", 15900, "water", JUICE_GTIN[2:]),
            ):
                weighed = code in ("CHEESE-M", "KEFIR-M")
                product = Product(
                    code=code,
                    name=name,
                    price=price,
                    tax="vat10",
                    marked=True,
                    marking_group=group,
                    weighted=weighed,
                    unit={"CHEESE-M": "kg", "KEFIR-M": "l"}.get(code, "pcs"),
                )
                session.add(product)
                session.flush()
                session.add(Barcode(code=barcode, product_id=product.id))
        yield kkt, daemon


@pytest.fixture
def client(world):
    _kkt, daemon = world
    with daemon.client(timeout=120) as client:
        yield client


@pytest.fixture(autouse=True)
def journals_agree(world):
    yield
    kkt, daemon = world
    kkt.fault("mark-online")
    assert agreement(kkt, daemon) == []


def sale(client, name: str, marks: list[str], code: str = "MILK-M", quantity: int | None = None) -> dict:
    line = {"code": code, "quantity": len(marks) if quantity is None else quantity, "marks": marks}
    return client.post("/v1/receipts", json={"uuid": uid(name), "lines": [line]})


def refused(call) -> DaemonError:
    with pytest.raises(DaemonError) as caught:
        call()
    return caught.value


def stored_marks(daemon, doc_id: int) -> list[tuple]:
    path = daemon.state_dir / DATABASE_NAME
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        query = (
            "SELECT line_position, unit, code, plan, verdict, result FROM receipt_mark WHERE document_id = ?"
        )
        return list(db.execute(query + " ORDER BY unit", (doc_id,)))


def fn_items(kkt, fd: int) -> list[dict]:
    return next(doc for doc in kkt.journal() if doc["fd"] == fd)["items"]


def test_a_marked_product_needs_its_codes_one_per_unit_of_its_own_gtin(client):
    error = refused(
        lambda: client.post("/v1/receipts", json={"uuid": uid("m-none"), "lines": [{"code": "MILK-M"}]})
    )
    assert error.status == 422 and "scan the marking code" in error.message
    error = refused(lambda: sale(client, "m-count", [issue(MILK_GTIN)], quantity=2))
    assert "one code per unit" in error.message
    error = refused(lambda: sale(client, "m-other", [issue("04650065600453")]))
    assert "another product (GTIN 04650065600453)" in error.message
    one = issue(MILK_GTIN)
    error = refused(lambda: sale(client, "m-twice", [one, one]))
    assert "scanned twice" in error.message
    error = refused(lambda: client.post("/v1/receipts", json={"uuid": uid("m-free"), "lines": [
        {"name": "Пакет", "price": 500, "marks": [one]}]}))  # fmt: skip
    assert "not a marked product" in error.message


def test_a_sale_and_a_return_carry_each_units_code_into_the_fn(world, client):
    kkt, daemon = world
    codes = [issue(MILK_GTIN), issue(MILK_GTIN)]
    typed = [codes[0].replace(GS, ""), codes[1]]  # a scanner that dropped GS, and one that sent it
    receipt = sale(client, "m-sale", typed)
    assert receipt["status"] == "fiscalized" and receipt["total"] == 2 * 8990
    assert [m["code"] for m in receipt["lines"][0]["marks"]] == codes
    assert {m["verdict"] for m in receipt["lines"][0]["marks"]} == {"valid"}
    assert receipt["lines"][0]["measured"] is False
    items = fn_items(kkt, receipt["fd"])
    assert [item["mark"]["code"] for item in items] == codes
    assert [item["quantity"] for item in items] == ["1.000", "1.000"] or len(items) == 2
    assert [(row[1], row[2], row[3]) for row in stored_marks(daemon, receipt["id"])] == [
        (1, codes[0], "piece_sold"),
        (2, codes[1], "piece_sold"),
    ]

    error = refused(lambda: sale(client, "m-again", [codes[0]]))
    assert error.status == 422 and error.code == "mark_refused" and "already sold" in error.message

    back = client.post(
        f"/v1/receipts/{receipt['id']}/return",
        json={"uuid": uid("m-return"), "lines": [{"position": 1, "quantity": 1, "marks": [codes[1]]}]},
    )
    assert back["status"] == "fiscalized" and back["total"] == 8990
    assert [item["mark"]["code"] for item in fn_items(kkt, back["fd"])] == [codes[1]]
    assert [row[3] for row in stored_marks(daemon, back["id"])] == ["piece_returned"]
    error = refused(lambda: client.post(
        f"/v1/receipts/{receipt['id']}/return",
        json={"uuid": uid("m-return-2"), "lines": [{"position": 1, "quantity": 1, "marks": [codes[1]]}]},
    ))  # fmt: skip
    assert "already returned" in error.message
    rest = client.post(
        f"/v1/receipts/{receipt['id']}/return", json={"uuid": uid("m-return-3"), "lines": [{"position": 1}]}
    )  # the whole rest of the line: its codes need no scan
    assert [item["mark"]["code"] for item in fn_items(kkt, rest["fd"])] == [codes[0]]
    assert client.get(f"/v1/receipts/{receipt['id']}")["lines"][0]["returned"] == "2.000"


def test_a_forged_code_is_refused_and_nothing_is_fiscalized(world, client):
    kkt, _daemon = world
    before = len(kkt.receipts())
    error = refused(
        lambda: sale(client, "m-forged", [issue(SHOES_GTIN, "shoes", forged=True)], code="SHOES-M")
    )
    assert error.code == "mark_refused" and "not valid" in error.message
    assert len(kkt.receipts()) == before
    good = sale(client, "m-shoes", [issue(SHOES_GTIN, "shoes")], code="SHOES-M")
    assert good["status"] == "fiscalized" and good["lines"][0]["marks"][0]["verdict"] == "valid"


def test_offline_the_unit_is_sold_with_the_check_marked_as_not_done_online(world, client):
    kkt, _daemon = world
    kkt.fault("mark-offline")
    receipt = sale(client, "m-offline", [issue(MILK_GTIN)])
    assert receipt["status"] == "fiscalized"
    assert receipt["lines"][0]["marks"][0]["verdict"] == "not_checked_online"


def test_the_cashier_reads_every_refusal_in_russian(client):
    error = refused(
        lambda: client.post(
            "/v1/receipts",
            json={"uuid": uid("m-ru"), "lines": [{"code": "MILK-M"}]},
            headers={"Accept-Language": "ru"},
        )
    )
    assert "отсканируйте код маркировки" in error.message


def test_a_code_is_checked_at_scan_time_and_explained_in_words(world, client):
    fresh = issue(MILK_GTIN)
    answer = client.post("/v1/marks/check", json={"code": fresh.replace(GS, "")})
    assert answer["product"] == "MILK-M" and answer["code"] == fresh
    assert answer["verdict"] == "valid" and answer["allowed"] and "may be sold" in answer["message"]
    # dropped after the check: the sale checks it again and sells it
    assert sale(client, "m-after-check", [fresh])["status"] == "fiscalized"
    sold = client.post("/v1/marks/check", json={"code": fresh}, headers={"Accept-Language": "ru"})
    assert not sold["allowed"] and "уже продан" in sold["message"]
    forged = client.post("/v1/marks/check", json={"code": issue(SHOES_GTIN, "shoes", forged=True)})
    assert forged["verdict"] == "invalid" and "not valid" in forged["message"]
    error = refused(lambda: client.post("/v1/marks/check", json={"code": fresh, "product": "SHOES-M"}))
    assert error.code == "mark_of_another_product"
    error = refused(lambda: client.post("/v1/marks/check", json={"code": "4600000000015"}))
    assert error.status == 422 and "linear barcode" in error.message


def test_kassa_sale_takes_one_mark_per_unit_and_refuses_a_marked_line_without(world):
    kkt, daemon = world
    codes = [issue(MILK_GTIN), issue(MILK_GTIN)]
    # pasted without GS (as `kassa emulate marks` prints them): the line's quantity is the codes' count
    args = ["sale", "--line", "MILK-M", "--line", "BREAD", "--json"]
    done = run_kassa(
        *args, "--mark", codes[0].replace(GS, ""), "--mark", codes[1], env=daemon.env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    receipt = json.loads(done.stdout)
    items = fn_items(kkt, receipt["fd"])
    assert [item.get("mark", {}).get("code") for item in items] == [*codes, None]
    with contextlib.closing(Store(daemon.state_dir / DATABASE_NAME)) as store, store.read() as session:
        doc = session.exec(select(FiscalDocument).where(FiscalDocument.fd == receipt["fd"])).one()
        uploaded = document_payloads(session, [doc])[0]
    milk, bread = uploaded["lines"]
    assert milk["marks"] == codes and "marks" not in bread  # a line without codes uploads as it did
    refused_cli = run_kassa(
        "sale", "--line", "MILK-M", env={**daemon.env, "LANG": "ru_RU.UTF-8"}, timeout=120
    )
    assert refused_cli.returncode != 0 and "отсканируйте код маркировки" in refused_cli.stderr
    stranger = run_kassa("sale", "--line", "BREAD", "--line", "MILK-M", "--mark", issue(SHOES_GTIN, "shoes"),
                         env=daemon.env)  # fmt: skip
    assert stranger.returncode == 2 and "GTIN 04690257528523" in stranger.stderr


def test_a_weighed_marked_good_is_one_position_with_one_code_and_the_measured_plan(world):
    kkt, daemon = world
    one = issue(CHEESE_GTIN)
    with daemon.client(timeout=120) as client:
        error = refused(
            lambda: sale(client, "m-cheese-2", [one, issue(CHEESE_GTIN)], code="CHEESE-M", quantity=1)
        )
        assert "one code for the line" in error.message
        receipt = client.post(
            "/v1/receipts",
            json={
                "uuid": uid("m-cheese"),
                "lines": [{"code": "CHEESE-M", "quantity": "0.350", "marks": [one]}],
            },
        )
    assert receipt["status"] == "fiscalized" and receipt["total"] == 31465
    assert receipt["lines"][0]["measured"] is True  # a return of part of it needs no scan
    (item,) = fn_items(kkt, receipt["fd"])
    assert item["mark"]["code"] == one, item
    assert [row[3] for row in stored_marks(daemon, receipt["id"])] == ["measured_sold"]


def test_more_units_than_the_fn_keeps_checked_are_refused_before_the_register(client):
    error = refused(lambda: sale(client, "m-101", [issue(MILK_GTIN) for _ in range(101)]))
    assert error.status == 422 and "at most 100 marked units" in error.message


def test_a_discounted_weighed_marked_good_is_one_position_or_refused_in_words(world, client):
    kkt, _daemon = world
    before = len(kkt.receipts())

    def kefir(name: str, discount: int, code: str) -> dict:
        line = {"code": "KEFIR-M", "quantity": "5.000", "discount": discount, "marks": [code]}
        return client.post("/v1/receipts", json={"uuid": uid(name), "lines": [line]})

    # 1002 for 5 l: 200 gives 1000 and 201 gives 1005, both beyond the FN's kopeck
    error = refused(lambda: kefir("m-kefir-1002", 3, issue(KEFIR_GTIN)))
    assert error.status == 422 and "one position" in error.message and "discount" in error.message
    assert "Кефир на розлив" in error.message
    assert len(kkt.receipts()) == before
    one = issue(KEFIR_GTIN)
    receipt = kefir("m-kefir-1001", 4, one)  # 1001: 200 x 5 is a kopeck off, within the tolerance
    assert receipt["status"] == "fiscalized" and receipt["total"] == 1001
    (item,) = fn_items(kkt, receipt["fd"])
    assert item["mark"]["code"] == one and item["price"] == 200, item


def test_refusals_name_the_line_and_the_code_in_words_and_keep_the_path_in_the_details(client):
    russian = {"Accept-Language": "ru"}

    def post(name: str, line: dict, path: str = "/v1/receipts") -> DaemonError:
        body = {"uuid": uid(name), "lines": [{"code": "BREAD"}, line]} if path == "/v1/receipts" else line
        return refused(lambda: client.post(path, json=body, headers=russian))

    forged = issue(SHOES_GTIN, "shoes", forged=True)
    error = post("m-words-forged", {"code": "SHOES-M", "marks": [forged]})
    assert error.message.startswith("строка 2, код 1: "), error.message
    assert error.details[0]["field"] == "lines[1].marks[0]"
    one = issue(MILK_GTIN)
    error = post("m-words-twice", {"code": "MILK-M", "quantity": 2, "marks": [one, one]})
    assert error.message.startswith("строка 2, код 2: ") and "(первый раз: строка 2, код 1)" in error.message
    assert error.details == {"field": "lines[1].marks[1]"}
    error = post("m-words-type", {"code": "MILK-M", "quantity": 3, "marks": [one, one, 5]})
    assert "строка 2, код 3" in error.message and "marks" not in error.message, error.message
    error = post("m-words-check", {"code": "01garbage"}, "/v1/marks/check")
    assert error.message.startswith("код: ") and error.details == {"field": "code"}, error.message


def test_a_product_with_a_upc_a_barcode_owns_its_codes(client):
    code = issue(JUICE_GTIN, "water")
    answer = client.post("/v1/marks/check", json={"code": code})
    assert answer["product"] == "JUICE-M" and answer["allowed"], answer
    receipt = sale(client, "m-upc-a", [code], code="JUICE-M")
    assert receipt["status"] == "fiscalized"
