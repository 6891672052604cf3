"""A marketplace order of marked goods, against the real parts: `kassa run`, the fake Allegro over
HTTP, the KKT emulator's FN on a pty and the fake national marking system (permissive mode). The
automatic settling leaves such an order waiting with the reason; the cashier's codes are checked as a
sale's (the product's GTIN, the FN, the online check) and go into the FN on the order's receipt."""

from __future__ import annotations

import contextlib
import time

import httpx
import pytest

from agent.client import DaemonError
from agent.journal.crash import ENV
from agent.store import DATABASE_NAME, Store
from agent.store.models import Barcode, Product
from sim.kkt.marks import issue
from tests.conftest import run_kassa
from tests.fixtures.allegro import allegro_config, fake_allegro
from tests.fixtures.daemon import running_daemon
from tests.fixtures.kkt import kkt_config, kkt_emulator
from tests.fixtures.marking_api import fake_marking_system
from tests.journal.e2e import agreement, journal_rows, restart_after_kill, wait_ready

pytestmark = pytest.mark.slow

MILK_GTIN = "04607009780047"
SHOES_GTIN = "04690257528523"
GS = "\x1d"


def add_marked_products(daemon) -> None:
    with contextlib.closing(Store(daemon.state_dir / DATABASE_NAME)) as store, store.write() as session:
        for code, name, price, group, gtin in (
            ("MILK-M", "Молоко", 450, "milk", MILK_GTIN),
            ("SHOES-M", "Кеды", 19900, "shoes", SHOES_GTIN),
        ):
            product = Product(
                code=code, name=name, price=price, tax="vat10", marked=True, marking_group=group
            )
            session.add(product)
            session.flush()
            session.add(Barcode(code=gtin[1:], product_id=product.id))
        session.add(Product(code="KUBEK-1", name="Kubek", price=1250, tax="vat20"))


def connect(client, fake, login: str) -> int:
    flow = client.post("/v1/marketplace/accounts", json={"name": login})
    assert fake.decide(flow["user_code"], True, login)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        state = client.get(f"/v1/marketplace/connect/{flow['id']}")
        account = state.get("account")
        if account is not None and f"orders.allegro.{account}" in client.get("/v1/status")["streams"]:
            return account  # connected, and its orders stream is in sync's engine
        assert state["state"] == "pending" or account is not None, state
        time.sleep(0.1)
    raise AssertionError("the account did not connect")


@contextlib.contextmanager
def marked_order_stack(base):
    """The fake Allegro and marking system, the KKT emulator and `kassa run` with marked goods."""
    with fake_allegro() as fake, fake_marking_system() as system, kkt_emulator(base) as kkt:
        config = (
            kkt_config(kkt)
            + allegro_config(fake)
            + f'[marking]\npermissive_url = "{system.url}"\npermissive_timeout = 1.0\n'
        )
        with running_daemon(base, config=config) as daemon:
            wait_ready(daemon)
            add_marked_products(daemon)
            yield {"fake": fake, "system": system, "kkt": kkt, "daemon": daemon}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with marked_order_stack(tmp_path_factory.mktemp("marked-orders")) as parts:
        yield parts


def order_of(client, remote_id: str, lang: str = "en") -> dict:
    items = client.get("/v1/orders", headers={"Accept-Language": lang})["items"]
    return next(item for item in items if item["remote_id"] == remote_id)


def imported(client, *remote_ids: str, timeout: float = 60) -> None:
    """Import until the orders are at the register (a run started before they were added, e.g. the
    new account's first, is joined by «import now» and does not bring them)."""
    deadline = time.monotonic() + timeout
    while True:
        client.post("/v1/marketplace/import", json={})
        known = {item["remote_id"] for item in client.get("/v1/orders")["items"]}
        if set(remote_ids) <= known:
            return
        assert time.monotonic() < deadline, f"orders {remote_ids} not imported"
        time.sleep(0.5)


def reported(fake, form: str, timeout: float = 60) -> None:
    """Until the register has told Allegro the order is fiscalized (fulfillment PROCESSING)."""
    deadline = time.monotonic() + timeout
    while (form, "PROCESSING") not in fake.fulfillments:
        assert time.monotonic() < deadline, f"{form} not reported: {fake.fulfillments}"
        time.sleep(0.2)


def refused(call) -> DaemonError:
    with pytest.raises(DaemonError) as caught:
        call()
    return caught.value


def test_a_paid_order_of_marked_goods_waits_for_the_cashiers_codes_and_goes_with_them(stack):
    fake, system, kkt, daemon = stack["fake"], stack["system"], stack["kkt"], stack["daemon"]
    with daemon.client(timeout=120) as client:
        account = connect(client, fake, "mleczarnia")
        client.request(
            "PATCH",
            f"/v1/marketplace/accounts/{account}",
            json={"auto_fiscalize": True, "payment_kind": "cash"},
        )
        form = fake.add_order(
            "mleczarnia", lines=[("MILK-M", "Mleko", 2, "4.50"), ("KUBEK-1", "Kubek", 1, "12.50")]
        )
        plain = fake.add_order("mleczarnia", lines=[("KUBEK-1", "Kubek", 1, "12.50")])
        receipts = len(kkt.receipts())
        imported(client, form, plain)

        # the unmarked order settles by itself; the marked one waits, saying why, and is not sent
        reported(fake, plain)
        assert order_of(client, plain)["status"] == "fiscalized"
        order = order_of(client, form)
        assert order["status"] == "waiting" and order["total"] == 2150
        assert order["marks_needed"] == [{"position": 1, "code": "MILK-M", "name": "Молоко", "count": 2}]
        assert "scan the marking codes of 2 items" in order["reason"]
        assert "коды маркировки, 2 шт." in order_of(client, form, "ru")["reason"]
        assert len(kkt.receipts()) == receipts + 1 and all(f[0] != form for f in fake.fulfillments)

        path = f"/v1/orders/{order['id']}/fiscalize"
        error = refused(lambda: client.post(path, json={}))
        assert error.status == 409 and error.code == "order_needs_marks" and error.details["lines"] == [1]

        # the sale's own checks, in the sale's words: count, GTIN, a unit sold already, the FN's check
        codes = [issue(MILK_GTIN), issue(MILK_GTIN)]
        error = refused(lambda: client.post(path, json={"marks": [{"position": 1, "codes": codes[:1]}]}))
        assert error.status == 422 and "one code per unit" in error.message
        other = [codes[0], issue(SHOES_GTIN, "shoes")]
        error = refused(lambda: client.post(path, json={"marks": [{"position": 1, "codes": other}]}))
        assert error.status == 422 and "another product (GTIN 04690257528523)" in error.message
        both = [{"position": 1, "codes": codes}, {"position": 2, "codes": [issue(MILK_GTIN)]}]
        error = refused(lambda: client.post(path, json={"marks": both}))
        assert error.status == 422 and "not a marked product" in error.message
        forged = [codes[0], issue(MILK_GTIN, forged=True)]
        error = refused(lambda: client.post(path, json={"marks": [{"position": 1, "codes": forged}]}))
        assert error.status == 422 and "forged" in error.message
        sold = issue(MILK_GTIN)
        system.sold.add(sold[:16] + sold[16:].split(GS)[0])
        error = refused(
            lambda: client.post(path, json={"marks": [{"position": 1, "codes": [codes[0], sold]}]})
        )
        assert error.status == 422 and "as sold already" in error.message
        assert len(kkt.receipts()) == receipts + 1 and order_of(client, form)["status"] == "waiting"

        body = {"pay": "card", "marks": [{"position": 1, "codes": [codes[0].replace(GS, ""), codes[1]]}]}
        done = client.post(path, json=body)
        assert done["order"]["status"] == "fiscalized" and not done["replayed"]
        assert done["order"]["marks_needed"] == [] and done["receipt"]["total"] == 2150
        fd = done["receipt"]["fd"]
        items = next(doc for doc in kkt.journal() if doc["fd"] == fd)["items"]
        assert [item["mark"]["code"] for item in items if item.get("mark")] == codes
        assert all((item.get("tags") or {}).get("1260") or item.get("industry") for item in items[:2])
        receipt = next(
            item for item in client.get("/v1/receipts")["items"] if item["uuid"] == done["receipt"]["uuid"]
        )
        assert [mark["verdict"] for mark in receipt["lines"][0]["marks"]] == ["valid", "valid"]

        # a repeated request (a lost answer, a second tap, the automatic settling) replays it
        again = client.post(path, json={})
        assert again["replayed"] and again["receipt"]["fd"] == fd
        client.post("/v1/marketplace/import", json={})
        reported(fake, form)
        assert len(kkt.receipts()) == receipts + 2
    assert agreement(kkt, daemon) == []


def test_the_cli_lists_what_a_marked_order_needs_and_fiscalizes_it_with_mark(stack):
    fake, kkt, daemon = stack["fake"], stack["kkt"], stack["daemon"]
    with daemon.client(timeout=120) as client:
        connect(client, fake, "sklep-cli")
        form = fake.add_order("sklep-cli", lines=[("MILK-M", "Mleko", 1, "4.50")])
        imported(client, form)
        order = order_of(client, form)
    listed = run_kassa("orders", env=daemon.env)
    assert listed.returncode == 0, listed.stderr
    assert f"kassa orders fiscalize {order['id']} --mark 1=DATAMATRIX" in listed.stdout
    refused_cli = run_kassa("orders", "fiscalize", str(order["id"]), env=daemon.env)
    assert refused_cli.returncode != 0 and "scan the marking codes of 1 items" in refused_cli.stderr
    bad = run_kassa("orders", "fiscalize", str(order["id"]), "--mark", "x", env=daemon.env)
    assert bad.returncode == 2 and "POSITION=DATAMATRIX" in bad.stderr
    code = issue(MILK_GTIN)
    args = ("orders", "fiscalize", str(order["id"]), "--mark", f"1={code}")
    done = run_kassa(*args, env=daemon.env, timeout=120)
    assert done.returncode == 0 and "fiscalized: FD" in done.stdout, done.stderr
    fd = int(done.stdout.split("FD ")[1].split(",")[0])
    items = next(doc for doc in kkt.journal() if doc["fd"] == fd)["items"]
    assert [item["mark"]["code"] for item in items] == [code]


@pytest.mark.parametrize("step", ["after_marks", "after_commit", "after_close"])
def test_a_kill_while_a_marked_order_is_fiscalized_ends_with_one_receipt_with_its_codes(stack, step):
    """Killed after the FN checked the codes (nothing written), after the row was written (the
    register never closed it: the row fails) or after the register closed the receipt (nothing
    recorded): after the restart the order gets exactly one receipt with the codes. A receipt that
    never reached the FN may go with other packs (the cashier scanned the order again)."""
    fake, kkt, daemon = stack["fake"], stack["kkt"], stack["daemon"]
    with daemon.client(timeout=120) as client:
        connect(client, fake, f"sklep-{step}")
        form = fake.add_order(f"sklep-{step}", lines=[("MILK-M", "Mleko", 2, "4.50")])
        imported(client, form)
        order = order_of(client, form)
        if not client.get("/v1/shift")["open"]:
            client.post("/v1/shift/open", json={})  # so the kill hits the order's receipt
    first = [issue(MILK_GTIN), issue(MILK_GTIN)]
    path = f"/v1/orders/{order['id']}/fiscalize"
    receipts = len(kkt.receipts())
    restart_after_kill(daemon, {ENV: step})
    with daemon.client(timeout=60) as client, pytest.raises((DaemonError, httpx.HTTPError)):
        client.post(path, json={"marks": [{"position": 1, "codes": first}]})  # the daemon dies under it
    assert daemon.process.wait(30) == -9
    restart_after_kill(daemon, {ENV: None})
    made = step == "after_close"
    assert len(kkt.receipts()) == receipts + made
    rows = [row["status"] for row in journal_rows(daemon) if row["order_id"] == order["id"]]
    assert rows == {"after_marks": [], "after_commit": ["failed"], "after_close": ["fiscalized"]}[step]

    codes = first if made else [first[0], issue(MILK_GTIN)]
    with daemon.client(timeout=120) as client:
        again = client.post(path, json={"marks": [{"position": 1, "codes": codes}]})
        assert again["order"]["status"] == "fiscalized" and again["replayed"] == made
    assert len(kkt.receipts()) == receipts + 1
    fn_items = next(doc for doc in kkt.journal() if doc["fd"] == again["receipt"]["fd"])["items"]
    assert [item["mark"]["code"] for item in fn_items] == codes
    assert agreement(kkt, daemon) == []
