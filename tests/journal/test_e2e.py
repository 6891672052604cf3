"""Sales, returns and shifts end to end: the daemon's API and CLI over a real pty to the KKT emulator.

One emulator and one daemon serve the whole module (starting them costs seconds); every test
ends by checking that the agent's journal and the emulator's fiscal journal agree.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.client import DaemonError
from tests.conftest import run_kassa, uid
from tests.journal.e2e import agreement, journal_rows, register_and_daemon

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with register_and_daemon(tmp_path_factory.mktemp("e2e")) as (kkt, daemon):
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
    assert agreement(kkt, daemon) == []


def fn_doc(kkt, fd: int) -> dict:
    return next(doc for doc in kkt.journal() if doc["fd"] == fd)


def test_sales_with_every_payment_kind(world, client):
    kkt, _daemon = world
    cash = client.post(
        "/v1/receipts",
        json={
            "uuid": uid("cash-1"),
            "lines": [{"code": "BREAD", "quantity": 2}],
            "payments": [{"kind": "cash", "amount": 10000}],
        },
    )
    assert cash["status"] == "fiscalized" and cash["total"] == 9980 and cash["change"] == 20
    assert fn_doc(kkt, cash["fd"])["change"] == 20
    card = client.post(
        "/v1/receipts",
        json={"uuid": uid("card-1"), "lines": [{"code": "MILK"}], "payments": [{"kind": "card"}]},
    )
    assert fn_doc(kkt, card["fd"])["payments"] == [{"index": 2, "kind": "card", "amount": 8950}]
    mixed = client.post(
        "/v1/receipts",
        json={
            "uuid": uid("mixed-1"),
            "lines": [
                {"code": "CHEESE", "quantity": "0.450"},
                {"name": "Пакет", "price": 500, "tax": "vat20"},
            ],
            "payments": [{"kind": "card", "amount": 30000}, {"kind": "cash", "amount": 20000}],
            "buyer_contact": "buyer@example.com",
            "cashier": {"name": "Иванова А.", "inn": "500100732259"},
        },
    )
    assert mixed["total"] == 40455 + 500 and mixed["change"] == 50000 - 40955
    doc = fn_doc(kkt, mixed["fd"])
    assert {p["kind"]: p["amount"] for p in doc["payments"]} == {"card": 30000, "cash": 20000}
    assert doc["items"][0]["quantity"] == "0.450"


def test_a_repeated_uuid_returns_the_first_result(world, client):
    kkt, _daemon = world
    body = {"uuid": uid("again-1"), "lines": [{"code": "BREAD"}]}
    first = client.post("/v1/receipts", json=body)
    before = len(kkt.receipts())
    second = client.post("/v1/receipts", json=body)
    assert second["replayed"] and (second["fd"], second["fiscal_sign"]) == (first["fd"], first["fiscal_sign"])
    with pytest.raises(DaemonError) as caught:
        client.post("/v1/receipts", json={**body, "lines": [{"code": "MILK"}]})
    assert caught.value.status == 409 and caught.value.code == "uuid_conflict"
    assert len(kkt.receipts()) == before


def test_a_retry_that_writes_the_same_numbers_differently_is_the_same_request(world, client):
    """A client retrying after a lost answer may serialize its decimals another way: 2 is "2.000"."""
    kkt, _daemon = world
    sale = {
        "uuid": uid("written-1"),
        "lines": [{"code": "BREAD", "quantity": 2, "discount_percent": 10}],
        "payments": [{"kind": "cash", "amount": 10000}],
    }
    first = client.post("/v1/receipts", json=sale)
    back = {"uuid": uid("written-back-1"), "lines": [{"position": 1, "quantity": "1"}]}
    returned = client.post(f"/v1/receipts/{first['id']}/return", json=back)
    before = len(kkt.receipts())
    for quantity, percent in [("2.000", "10.0"), ("2.0", "10"), ("2", 10)]:
        line = {"code": "BREAD", "quantity": quantity, "discount_percent": percent}
        again = client.post("/v1/receipts", json={**sale, "lines": [line]})
        assert again["replayed"] and again["fd"] == first["fd"], (quantity, percent)
    again = client.post(
        f"/v1/receipts/{first['id']}/return", json={**back, "lines": [{"position": 1, "quantity": "1.000"}]}
    )
    assert again["replayed"] and again["fd"] == returned["fd"]
    with pytest.raises(DaemonError) as caught:  # another quantity is another sale
        client.post("/v1/receipts", json={**sale, "lines": [{"code": "BREAD", "quantity": "1.000"}]})
    assert caught.value.code == "uuid_conflict"
    assert len(kkt.receipts()) == before


def test_validation_errors_name_the_field(world, client):
    kkt, daemon = world
    before = len(kkt.journal())
    with pytest.raises(DaemonError) as caught:
        client.post(
            "/v1/receipts", json={"uuid": uid("bad-1"), "lines": [{"code": "BREAD", "quantity": 1.5}]}
        )
    assert caught.value.status == 422 and "line 1, quantity" in caught.value.message
    with pytest.raises(DaemonError) as caught:  # the back office dedups on real UUIDs only
        client.post("/v1/receipts", json={"uuid": "sale-1", "lines": [{"code": "BREAD"}]})
    assert caught.value.status == 422 and "uuid" in caught.value.message and "UUID" in caught.value.message
    with pytest.raises(DaemonError) as caught:
        client.post("/v1/receipts", json={"uuid": uid("bad-2"), "lines": [{"code": "NOPE"}]})
    assert caught.value.code == "invalid_receipt" and "line 1, code: " in caught.value.message
    assert caught.value.details == {"field": "lines[0].code"}
    with pytest.raises(DaemonError) as caught:
        client.post(
            "/v1/receipts",
            json={
                "uuid": uid("bad-3"),
                "lines": [{"code": "BREAD"}],
                "payments": [{"kind": "card", "amount": 5000}],
            },
        )
    assert "only cash gives change" in caught.value.message
    with daemon.client(language="ru") as russian, pytest.raises(DaemonError) as caught:
        russian.post("/v1/receipts", json={"uuid": uid("bad-4"), "lines": [{"code": "NOPE"}]})
    assert caught.value.message == "строка 1, код: товара NOPE нет в каталоге"
    assert len(kkt.journal()) == before


line_strategy = st.tuples(
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal("20"), places=3),
    st.integers(min_value=1, max_value=500_000),
    st.integers(min_value=0, max_value=50),
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=st.lists(line_strategy, min_size=1, max_size=6), receipt_percent=st.integers(0, 30))
def test_random_carts_register_total_equals_journal_total(world, client, items, receipt_percent):
    kkt, _daemon = world
    import uuid

    lines = [
        {
            "name": f"Товар {n}",
            "price": price,
            "quantity": str(quantity),
            "discount_percent": str(percent),
            "tax": "vat20",
        }
        for n, (quantity, price, percent) in enumerate(items)
    ]
    body = {
        "uuid": str(uuid.uuid4()),
        "lines": lines,
        "discount_percent": str(receipt_percent),
        "payments": [{"kind": "card"}],
    }
    try:
        receipt = client.post("/v1/receipts", json=body)
    except DaemonError as exc:  # a cart that rounds to nothing is refused, and nothing is printed
        assert exc.code == "invalid_receipt", exc.message
        return
    doc = fn_doc(kkt, receipt["fd"])
    assert doc["total"] == receipt["total"] == sum(line["amount"] for line in receipt["lines"])
    sent = [position for line in receipt["lines"] for position in line["fn_positions"]]
    got = [(item["quantity"], item["price"], item["amount"], item["vat"]) for item in doc["items"]]
    assert got == [(p["quantity"], p["price"], p["amount"], p["vat"]) for p in sent]
    assert [item["name"] for item in doc["items"]] == [p["name"] for p in sent]


def test_the_answer_is_what_the_journal_then_shows(world, client):
    """A new receipt's answer is built in the transaction that records it: GET shows the same."""
    sold = client.post(
        "/v1/receipts",
        json={
            "uuid": uid("same-sale"),
            "lines": [{"code": "MILK", "quantity": 2, "discount": 100}, {"name": "Пакет", "price": 500}],
            "payments": [{"kind": "card", "amount": 10000}, {"kind": "cash", "amount": 10000}],
            "buyer_contact": "+79990000000",
            "cashier": {"name": "Иванова А.", "inn": "500100732259"},
        },
    )
    back = client.post(
        f"/v1/receipts/{sold['id']}/return",
        json={"uuid": uid("same-back"), "lines": [{"position": 1, "quantity": "1"}]},
    )
    for answer in (sold, back):
        assert answer["replayed"] is False and answer["upload"] == "queued"
        shown = client.get(f"/v1/receipts/{answer['id']}")
        if answer is sold:  # the return since taken back part of it
            assert [line["returned"] for line in shown["lines"]] == ["1.000", "0.000"]
            assert shown["returns"] == [back["id"]]
            shown = {**shown, "lines": answer["lines"], "returns": []}
        assert shown == answer
    again = client.post(
        f"/v1/receipts/{sold['id']}/return",
        json={"uuid": uid("same-back"), "lines": [{"position": 1, "quantity": "1"}]},
    )
    assert again == {**back, "replayed": True}


def test_returns_are_limited_to_what_was_sold(world, client):
    kkt, _daemon = world
    sold = client.post(
        "/v1/receipts",
        json={
            "uuid": uid("ret-sale"),
            "lines": [{"code": "MILK", "quantity": 3}, {"code": "BREAD"}],
            "discount": 10,
        },
    )
    part = client.post(
        f"/v1/receipts/{sold['id']}/return",
        json={"uuid": uid("ret-1"), "lines": [{"position": 1, "quantity": "2"}]},
    )
    assert part["type"] == "return" and part["original_uuid"] == uid("ret-sale")
    assert fn_doc(kkt, part["fd"])["type"] == "return"
    with pytest.raises(DaemonError) as caught:
        client.post(
            f"/v1/receipts/{sold['id']}/return",
            json={"uuid": uid("ret-2"), "lines": [{"position": 1, "quantity": "2"}]},
        )
    assert caught.value.code == "return_limit" and "1.000" in caught.value.message
    rest = client.post(f"/v1/receipts/{sold['id']}/return", json={"uuid": uid("ret-3")})
    assert part["total"] + rest["total"] == sold["total"]
    with pytest.raises(DaemonError) as caught:
        client.post(f"/v1/receipts/{sold['id']}/return", json={"uuid": uid("ret-4")})
    assert caught.value.code == "already_returned"
    view = client.get(f"/v1/receipts/{sold['id']}")
    assert [line["returned"] for line in view["lines"]] == ["3.000", "1.000"]
    assert sorted(view["returns"]) == sorted([part["id"], rest["id"]])


def test_shift_cycle_x_z_cash(world, client):
    kkt, daemon = world
    shift = client.get("/v1/shift")
    if not shift["open"]:
        client.post("/v1/shift/open", json={"cashier": {"name": "Петров"}})
    x = run_kassa("printer", "x-report", env=daemon.env)
    assert x.returncode == 0, x.stderr
    cash_in = client.post("/v1/cash/in", json={"uuid": uid("cash-in-1"), "amount": 100000})
    cash_out = client.post("/v1/cash/out", json={"uuid": uid("cash-out-1"), "amount": 5000})
    assert (cash_in["document"]["type"], cash_out["document"]["type"]) == ("cash_in", "cash_out")
    assert client.get("/v1/shift")["totals"]["cash_in"]["total"] >= 100000
    z = run_kassa("printer", "z-report", env=daemon.env)
    assert z.returncode == 0 and "closed" in z.stdout, z.stderr
    assert kkt.journal()[-1]["type"] == "shift_close"
    assert client.get("/v1/shift")["open"] is False
    with pytest.raises(DaemonError) as caught:
        client.post("/v1/shift/close", json={})
    assert caught.value.code == "shift_not_open"
    opened = client.post("/v1/shift/open", json={"uuid": uid("open-after-z")})
    assert opened["shift"]["open"] and opened["document"]["fd"] == kkt.journal()[-1]["fd"]


def test_a_shift_over_24_hours_blocks_sales_until_the_z_report(world, client):
    kkt, daemon = world
    client.post("/v1/receipts", json={"uuid": uid("before-24h"), "lines": [{"code": "BREAD"}]})
    kkt.fault("time+25")
    with pytest.raises(DaemonError) as caught:
        client.post("/v1/receipts", json={"uuid": uid("after-24h"), "lines": [{"code": "BREAD"}]})
    assert caught.value.code == "shift_expired" and "Z report" in caught.value.message
    assert daemon.status()["shift"]["expired"] is True
    assert run_kassa("printer", "z-report", env=daemon.env).returncode == 0
    sold = client.post("/v1/receipts", json={"uuid": uid("after-24h"), "lines": [{"code": "BREAD"}]})
    assert sold["status"] == "fiscalized"


def test_kassa_sale_from_the_shell_is_idempotent(world):
    kkt, daemon = world
    args = [
        "sale",
        "--line",
        "BREADx2",
        "--item",
        "Пакет=500",
        "--pay",
        "card:5000",
        "--pay",
        "cash",
        "--uuid",
        uid("cli-1"),
    ]
    first = run_kassa(*args, "--json", env=daemon.env)
    assert first.returncode == 0, first.stderr
    receipt = json.loads(first.stdout)
    assert receipt["total"] == 2 * 4990 + 500 and receipt["fd"] == kkt.receipts()[-1]["fd"]
    again = run_kassa(*args, env=daemon.env)
    assert (
        again.returncode == 0
        and f"FD {receipt['fd']}" in again.stdout
        and "already fiscalized" in again.stdout
    )
    bad = run_kassa("sale", "--line", "NOPE", env=daemon.env)
    assert bad.returncode == 1 and "no product NOPE" in bad.stderr and "Traceback" not in bad.stderr
    assert [row["uuid"] for row in journal_rows(daemon) if row["uuid"] == uid("cli-1")] == [uid("cli-1")]


def test_paper_out_mid_sale_fails_cleanly_and_the_uuid_sells_later(world, client):
    kkt, daemon = world
    before = len(kkt.receipts())
    kkt.fault("paper-out")
    try:
        with pytest.raises(DaemonError):
            client.post("/v1/receipts", json={"uuid": uid("paper-1"), "lines": [{"code": "BREAD"}]})
    finally:
        kkt.fault("clear")
    assert [row["status"] for row in journal_rows(daemon) if row["uuid"] == uid("paper-1")] in (
        ["failed"],
        [],
    )
    sold = client.post("/v1/receipts", json={"uuid": uid("paper-1"), "lines": [{"code": "BREAD"}]})
    assert sold["status"] == "fiscalized" and len(kkt.receipts()) == before + 1


hostile_names = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=200
)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=hostile_names)
def test_the_journal_keeps_exactly_the_name_the_fn_stored(world, client, name):
    kkt, _daemon = world
    import uuid

    body = {
        "uuid": str(uuid.uuid4()),
        "lines": [{"name": name, "price": 1000, "quantity": "1", "tax": "vat20"}],
        "buyer_contact": "+7 (999) 000-00-00",
        "payments": [{"kind": "card"}],
    }
    try:
        receipt = client.post("/v1/receipts", json=body)
    except DaemonError as exc:  # nothing printable left: refused before the register
        assert exc.code == "invalid_receipt" and "line 1, name" in exc.message, exc.message
        return
    doc = fn_doc(kkt, receipt["fd"])
    (item,) = doc["items"]
    (line,) = receipt["lines"]
    assert item["name"] == line["name"] == line["fn_positions"][0]["name"]
    assert doc["tags"]["1008"] == receipt["buyer_contact"] == "+79990000000"


def test_a_buyer_contact_is_a_phone_or_an_e_mail(client):
    import uuid

    body = {"uuid": str(uuid.uuid4()), "lines": [{"code": "BREAD"}], "buyer_contact": "buyer\x1b[2J"}
    with pytest.raises(DaemonError) as caught:
        client.post("/v1/receipts", json=body)
    assert caught.value.status == 422 and caught.value.details[0]["field"] == "buyer_contact"
    assert "buyer's contact" in caught.value.message


def test_a_b2b_buyer_goes_to_tags_1227_and_1228_and_onto_its_return(world, client):
    kkt, daemon = world
    sold = client.post(
        "/v1/receipts",
        json={
            "uuid": uid("b2b-1"),
            "lines": [{"code": "BREAD"}],
            "buyer_name": "ООО\t«Ромашка»\x1b",
            "buyer_inn": " 7707083893 ",
        },
    )
    tags = fn_doc(kkt, sold["fd"])["tags"]
    assert tags["1227"] == 'ООО "Ромашка"' and tags["1228"] == "7707083893"
    assert sold["buyer"] == {"name": 'ООО "Ромашка"', "inn": "7707083893"}
    back = client.post(f"/v1/receipts/{sold['id']}/return", json={"uuid": uid("b2b-1-back")})
    back_tags = fn_doc(kkt, back["fd"])["tags"]
    assert (back_tags["1227"], back_tags["1228"]) == ('ООО "Ромашка"', "7707083893")
    person = run_kassa(
        "sale", "--line", "BREAD", "--buyer-name", "ИП Петров", "--buyer-inn", "500100732259", "--json",
        env=daemon.env,
    )  # fmt: skip
    assert person.returncode == 0, person.stderr
    tags = fn_doc(kkt, json.loads(person.stdout)["fd"])["tags"]
    assert (tags["1227"], tags["1228"]) == ("ИП Петров", "500100732259")


def test_a_buyer_inn_with_wrong_check_digits_never_reaches_the_register(world, client):
    kkt, daemon = world
    before = len(kkt.journal())
    body = {"uuid": uid("b2b-bad"), "lines": [{"code": "BREAD"}], "buyer_name": "ООО Ромашка"}
    for inn in ("7707083894", "500100732258", "12345", "770708389X", "0000000000"):
        with pytest.raises(DaemonError) as caught:
            client.post("/v1/receipts", json={**body, "buyer_inn": inn})
        assert caught.value.status == 422 and "check digits" in caught.value.message, (inn, caught.value)
    with daemon.client(language="ru") as russian, pytest.raises(DaemonError) as caught:
        russian.post("/v1/receipts", json={**body, "buyer_inn": "7707083894"})
    assert "ИНН покупателя" in caught.value.message and "контрольными" in caught.value.message
    with pytest.raises(DaemonError) as caught:
        client.post("/v1/receipts", json=body)
    assert caught.value.code == "invalid_receipt" and "1228" in caught.value.message
    cli = run_kassa(
        "sale", "--line", "BREAD", "--buyer-name", "ООО", "--buyer-inn", "7707083894", env=daemon.env
    )
    assert cli.returncode != 0 and "check digits" in cli.stderr and "Traceback" not in cli.stderr
    assert len(kkt.journal()) == before


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("quantity", "\u0661"),  # ARABIC-INDIC DIGIT ONE: sold as 1 before
        ("quantity", "1_000"),  # Python's digit grouping: sold as 1000 before
        ("quantity", "\uff12"),  # FULLWIDTH DIGIT TWO
        ("discount_percent", "\u0665"),  # a 5 % discount before
    ],
    ids=["arabic", "grouped", "fullwidth", "percent"],
)
def test_a_number_written_in_other_digits_never_reaches_the_register(world, client, field, text):
    kkt, _daemon = world
    before = len(kkt.journal())
    body = {"uuid": uid(f"digits-{field}-{text}"), "lines": [{"code": "BREAD", field: text}]}
    with pytest.raises(DaemonError) as refused:
        client.post("/v1/receipts", json=body)
    assert refused.value.status == 422 and refused.value.code == "validation_error", refused.value
    assert "must be a number" in refused.value.message
    assert len(kkt.journal()) == before
