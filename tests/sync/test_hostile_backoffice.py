"""A back office that dribbles, oversizes, lies about types and sends hostile records, over real HTTP."""

from __future__ import annotations

import threading
import time
import tracemalloc
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from agent.backoffice import errors
from agent.backoffice.client import BackofficeClient, display_url, segment
from agent.journal.cart import MAX_PRICE
from agent.pin_hash import hash_pin, verify_pin
from agent.store.models import Barcode, Employee, MarketplaceOrder, Product
from agent.sync.records import MAX_BARCODES
from agent.sync_code import check_symbol
from tests.fixtures.hostile_backoffice import (
    good_employee,
    good_order,
    good_product,
    hostile_backoffice,
)
from tests.sync.harness import EMULATOR, register

CODE = "ABCD2345" + check_symbol("ABCD2345")


@pytest.fixture
def hostile():
    with hostile_backoffice() as bo:
        yield bo


def paired_register(tmp_path, bo, **kwargs):
    reg = register(tmp_path, **kwargs)
    r = reg.__enter__()
    r.pairing.pair(CODE, EMULATOR, bo.url)
    return reg, r


@pytest.fixture
def reg(tmp_path, hostile):
    context, r = paired_register(tmp_path, hostile, timeout=2.0)
    try:
        yield r
    finally:
        context.__exit__(None, None, None)


def stored_products(reg) -> dict[str, Product]:
    with reg.store.read() as session:
        return {p.remote_id: p for p in session.exec(select(Product)).all()}


def test_a_dribbling_answer_hits_the_whole_request_deadline(reg, hostile):
    hostile.feeds["catalog"] = [good_product(n) for n in range(50)]
    hostile.tricks["catalog"] = "dribble"
    hostile.dribble_every = 0.2  # a byte every 0.2 s: no single read ever waits 2 s
    started = time.monotonic()
    result = reg.engine.run("products")
    took = time.monotonic() - started
    assert not result.ok and result.error_code == "backoffice_too_slow"
    assert took < 6, took  # the 2 s deadline, not the minutes the dribble would take
    status = reg.engine.status_summary()["streams"]["products"]
    assert status["state"] == "failed" and status["error"]["code"] == "backoffice_too_slow"


def test_shutdown_breaks_a_request_in_flight(reg, hostile):
    reg.engine.timeout = 60.0
    hostile.feeds["catalog"] = [good_product(1)]
    hostile.tricks["catalog"] = "dribble"
    results = []
    worker = threading.Thread(target=lambda: results.append(reg.engine.run("products")))
    worker.start()
    time.sleep(1.0)
    assert reg.engine.status_summary()["streams"]["products"]["state"] == "running"
    started = time.monotonic()
    reg.engine.abort()
    worker.join(10)
    assert not worker.is_alive()
    assert time.monotonic() - started < 1.5
    assert results[0].error_code == "stopping"


@pytest.mark.parametrize("trick", ["oversize", "oversize_declared"])
def test_an_oversized_answer_is_refused_without_reading_it(reg, hostile, trick):
    hostile.tricks["catalog"] = trick
    tracemalloc.start()
    try:
        result = reg.engine.run("products")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not result.ok and result.error_code == "answer_too_large"
    assert peak < 40 * 2**20, peak  # the answer is 100 MiB; the client stops after its 4 MiB cap
    print(f"\n{trick}: peak Python memory {peak / 2**20:.1f} MiB against a 100 MiB answer")


@pytest.mark.parametrize("trick", ["not_json", "wrong_types", "deep", "deep_error"])
def test_a_malformed_page_fails_the_stream_with_a_reason(reg, hostile, trick):
    hostile.tricks["catalog"] = trick
    result = reg.engine.run("products")
    assert not result.ok and result.error_code == "backoffice_error"
    assert reg.engine.status_summary()["streams"]["products"]["state"] == "failed"


def test_an_error_message_from_the_back_office_is_one_printable_line(reg, hostile, capsys):
    hostile.tricks["catalog"] = "forged_error"
    result = reg.engine.run("products")
    assert not result.ok and result.error_code == "backoffice_error"
    shown = reg.engine.status_summary()["streams"]["products"]["last_error"]
    assert "oops <2>kassa.journal: FN replaced <3>x" in shown
    assert shown.isprintable() and "\x1b" not in shown


def test_bad_records_are_skipped_and_named_while_the_rest_of_the_page_is_applied(reg, hostile):
    hostile.feeds["catalog"] = [
        good_product(1, tax_system="patent"),
        good_product(2, price=10**30),
        good_product(3, tax="vat99"),
        good_product(4, name="\x1b]0;pwned\x07Сок \x1b[31mкрасный\x1b[0m"),
        good_product(5, barcodes=[f"{n:013d}" for n in range(20000)]),
        good_product(6, price="100"),
        good_product(7, name="Я" * 500),
        good_product(8, price=-1),
        "not an object",
        good_product(9, weighted="yes"),
        good_product(10, price=True),
        good_product(11, marked=True, marking_group="milk"),
        good_product(12, marked=True),
        good_product(13, marked=True, marking_group="caviar"),
        good_product(14, marked="yes", marking_group="milk"),
        good_product(15, marking_group="milk"),
    ]
    result = reg.engine.run("products")
    assert result.ok, result.error
    products = stored_products(reg)
    assert set(products) == {"prd-000001", "prd-000004", "prd-000011", "prd-000015"}
    assert (products["prd-000011"].marked, products["prd-000011"].marking_group) == (True, "milk")
    assert (products["prd-000015"].marked, products["prd-000015"].marking_group) == (False, None)
    assert products["prd-000004"].name == "Сок красный"
    assert products["prd-000001"].tax_system == "patent"  # a product's own taxation system is kept
    skipped = {s.record: s.reason for s in result.skipped}
    assert set(skipped) == {
        "prd-000002",
        "prd-000003",
        "prd-000005",
        "prd-000006",
        "prd-000007",
        "prd-000008",
        "#9",
        "prd-000009",
        "prd-000010",
        "prd-000012",
        "prd-000013",
        "prd-000014",
    }
    assert "marking_group is missing" in skipped["prd-000012"]
    assert "not one the register knows" in skipped["prd-000013"]
    assert "must be from" in skipped["prd-000002"] and "not one the register knows" in skipped["prd-000003"]
    status = reg.engine.status_summary()["streams"]["products"]
    assert status["state"] == "ok" and status["skipped"] == 12
    assert {r["record"] for r in status["skipped_records"]} == set(skipped)


def test_a_costly_pin_hash_is_refused_and_never_checked(reg, hostile):
    costly = hash_pin("1234").replace("$16384$8$1$", f"${2**19}$15$1$")  # seconds and a GiB per check
    hostile.feeds["employees"] = [good_employee(1), good_employee(2, pin_hash=costly)]
    result = reg.engine.run("employees")
    assert result.ok
    assert [s.record for s in result.skipped] == ["emp-002"]
    with reg.store.read() as session:
        assert [e.remote_id for e in session.exec(select(Employee)).all()] == ["emp-001"]
    started = time.monotonic()
    assert not verify_pin("1234", costly)
    assert time.monotonic() - started < 0.1


def test_an_order_id_cannot_change_the_url(reg, hostile):
    trick = "../../registers/pair?x="
    hostile.feeds["orders"] = [good_order(trick), good_order("ord-2", lines="none")]
    result = reg.engine.run("orders")
    assert result.ok and [s.record for s in result.skipped] == ["ord-2"]
    with reg.store.write() as session:
        order = session.exec(select(MarketplaceOrder)).one()
        assert order.remote_id == trick
        order.status, order.reason = "rejected", "нет в наличии"
        session.add(order)
    pairs_before = hostile.paths().count("/api/v1/registers/pair")
    assert reg.engine.run("orders").ok
    assert "/api/v1/orders/..%2F..%2Fregisters%2Fpair%3Fx%3D/status" in hostile.paths()
    assert hostile.paths().count("/api/v1/registers/pair") == pairs_before
    assert segment("..") == "%2E%2E" and segment("a/b") == "a%2Fb"


def test_a_wrong_path_is_a_wrong_address_not_an_unknown_code(tmp_path, hostile):
    with register(tmp_path) as r:
        with pytest.raises(errors.WrongAddress) as caught:
            r.pairing.pair(CODE, EMULATOR, hostile.url + "/not-here")
        assert "check the address" in caught.value.text


def test_a_password_in_the_address_is_never_shown(tmp_path, hostile, caplog):
    url = hostile.url.replace("http://", "http://admin:s3cret-pass@")
    assert display_url(url) == hostile.url.replace("http://", "http://admin:***@")
    with register(tmp_path) as r, caplog.at_level("INFO"):
        r.pairing.pair(CODE, EMULATOR, url)
        shown = r.pairing.status_summary()["pairing"]["backoffice_url"]
        assert "s3cret-pass" not in shown and "***" in shown
        assert "s3cret-pass" not in caplog.text
        assert r.engine.run("receipts").ok  # the full address still works


def test_a_back_office_slower_than_the_deadline_per_byte_still_fails_as_too_slow(hostile):
    hostile.tricks["catalog"] = "dribble"
    hostile.dribble_every = 0.05
    with BackofficeClient(hostile.url, "t", timeout=1.0) as client:
        started = time.monotonic()
        with pytest.raises(errors.TooSlow):
            client.catalog_page(None)
        assert time.monotonic() - started < 3


# -- any combination of hostile records ------------------------------------------------------------

HOSTILE_FIELDS = {
    "name": st.one_of(
        st.text(max_size=300),
        st.just("\x1b]0;pwned\x07Имя"),
        st.just("\x1b[2J\x1b[HИмя"),
        st.just("[/]"),
        st.just(""),
        st.integers(),
        st.none(),
    ),
    "price": st.one_of(
        st.integers(min_value=-(10**31), max_value=10**31),
        st.floats(allow_nan=True),
        st.text(max_size=5),
        st.booleans(),
    ),
    "tax": st.one_of(st.sampled_from(["vat20", "vat10", "none", "vat99", "", "VAT20"]), st.integers()),
    "barcodes": st.one_of(
        st.lists(st.from_regex(r"\d{8,13}", fullmatch=True), max_size=5),
        st.integers(MAX_BARCODES + 1, 3000).map(lambda n: [f"{i:013d}" for i in range(n)]),
        st.just("4600000000015"),
        st.lists(st.integers(), max_size=3),
    ),
    "weighted": st.one_of(st.booleans(), st.just("yes"), st.integers()),
    "code": st.one_of(st.text(min_size=1, max_size=80), st.integers(), st.none()),
}


@st.composite
def hostile_product(draw, number: int):
    item = good_product(number)
    for field in draw(st.sets(st.sampled_from(sorted(HOSTILE_FIELDS)), max_size=3)):
        item[field] = draw(HOSTILE_FIELDS[field])
    return item


@st.composite
def hostile_page(draw):
    return [draw(hostile_product(number)) for number in range(1, draw(st.integers(1, 8)) + 1)]


def _clean(text: str) -> bool:
    return all(unicodedata.category(ch) not in ("Cc", "Cf") for ch in text)


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(page=hostile_page())
def test_any_mix_of_hostile_records_keeps_the_stream_alive(tmp_path_factory, hostile, page):
    hostile.tricks.clear()
    hostile.feeds["catalog"] = page
    context, reg = paired_register(tmp_path_factory.mktemp("reg"), hostile, timeout=5.0)
    try:
        result = reg.engine.run("products")
        assert result.ok, result.error
        products = stored_products(reg)
        skipped = {s.record for s in result.skipped}
        assert len(products) + result.skipped_count == len({p["id"] for p in page})
        assert not set(products) & skipped
        for product in products.values():
            assert 0 < len(product.name) <= 128 and _clean(product.name) and _clean(product.code)
            assert isinstance(product.price, int) and 0 <= product.price <= MAX_PRICE
            assert product.tax in ("vat20", "vat10", "none")
        with reg.store.read() as session:
            assert len(session.exec(select(Barcode)).all()) <= MAX_BARCODES * len(products)
    finally:
        context.__exit__(None, None, None)


def test_an_error_belongs_to_its_attempt(tmp_path, hostile):
    context, reg = paired_register(tmp_path, hostile, timeout=2.0)
    try:
        service_intervals = reg.engine.set_intervals
        hostile.tricks["catalog"] = hostile.tricks["employees"] = "not_json"
        assert not reg.engine.run("products").ok and not reg.engine.run("employees").ok
        streams = reg.engine.status_summary()["streams"]
        assert streams["products"]["state"] == streams["employees"]["state"] == "failed"
        hostile.tricks.clear()
        assert reg.engine.run("products").ok  # a later attempt of the same thing succeeds
        service_intervals({"employees": "never"})  # nothing will be attempted: no error to fix
        streams = reg.engine.status_summary()["streams"]
        assert streams["products"]["state"] == "ok" and streams["products"]["last_error"] is None
        assert streams["employees"]["state"] == "off" and streams["employees"]["error"] is None
        hostile.tricks["catalog"] = "not_json"
        assert not reg.engine.run("products").ok
        reg.engine.forget_errors()  # what a new pairing does: the old attempts' errors are not true now
        assert reg.engine.status_summary()["streams"]["products"]["last_error"] is None
    finally:
        context.__exit__(None, None, None)
