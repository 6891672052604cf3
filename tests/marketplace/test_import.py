"""Importing Allegro orders: events with a stored cursor, the sweep, merged purchases, backoff, accounts."""

from __future__ import annotations

from sqlmodel import select

from agent.store.models import MarketplaceOrder, SyncCursor


def orders(reg, account=None) -> dict[str, MarketplaceOrder]:
    with reg.store.read() as session:
        query = select(MarketplaceOrder)
        if account is not None:
            query = query.where(MarketplaceOrder.account == account)
        return {order.remote_id: order for order in session.exec(query).all()}


def cursor(reg, account) -> str | None:
    with reg.store.read() as session:
        row = session.get(SyncCursor, f"allegro:{account}")
        return row.cursor if row else None


def processed_elsewhere(fake, form_id, login="demo-seller"):
    """The seller moved it past NEW on Allegro: the sweep no longer lists it, only events name it."""
    fake.orders[login][form_id]["fulfillment"]["status"] = "PROCESSING"


def test_an_order_arrives_mapped_and_matched(reg, fake):
    reg.add_products("SKU-1")
    account = reg.connect()
    form_id = fake.add_order(lines=[("SKU-1", "Kubek", 2, "12.50"), ("NOPE", "Talerz", 1, "5.00")])
    result = reg.service.run_account(account)
    assert result["ok"], result
    order = orders(reg)[form_id]
    assert order.status == "waiting" and order.currency == "PLN" and order.total == 3000 and order.paid
    assert order.buyer["email"] == "buyer@allegromail.pl"
    assert [line["code"] for line in order.lines] == ["SKU-1", None]  # never guessed
    assert [line["price"] for line in order.lines] == [1250, 500]
    from agent.api.orders import order_view

    shown = order_view(order, "ru", "PLN")  # what the Orders screen and `kassa orders` show
    assert shown["unmatched"] == [2] and "строки 2" in shown["reason"]


def test_event_pages_advance_the_cursor_only_after_their_orders(reg, fake):
    account = reg.connect()
    assert reg.service.run_account(account)["ok"]  # a new account starts at the latest event
    start = cursor(reg, account)
    ids = [fake.add_order() for _ in range(40)]  # 120 events: a page of 100, then 20
    for form_id in ids:
        processed_elsewhere(fake, form_id)
    fake.add_fault("/order/checkout-forms/", 503, times=100)  # the second page's orders cannot be read
    first = reg.service.run_account(account)
    assert not first["ok"] and first["error_code"] == "marketplace_busy"
    assert cursor(reg, account) == start  # the first page named orders that are not stored yet
    fake.faults.clear()
    second = reg.service.run_account(account)
    assert second["ok"], second
    assert set(orders(reg)) == set(ids)
    assert cursor(reg, account) == fake.events["demo-seller"][-1]["id"]
    events_calls = [call for call in fake.api_calls() if call[2].startswith("/order/events")]
    assert any("from=100" in call[2] for call in events_calls)


def test_an_order_with_no_event_is_found_by_the_sweep(reg, fake):
    account = reg.connect()
    assert reg.service.run_account(account)["ok"]
    quiet = fake.add_order(events=())
    assert reg.service.run_account(account)["ok"]
    assert orders(reg)[quiet].status == "waiting"


def test_a_merged_purchase_answers_404_and_is_withdrawn(reg, fake):
    account = reg.connect()
    form_id = fake.add_order()
    assert reg.service.run_account(account)["ok"]
    assert orders(reg)[form_id].status == "waiting"
    fake.merge(form_id)
    fake._event("demo-seller", "BUYER_MODIFIED", form_id)
    never_seen = fake.add_order()
    processed_elsewhere(fake, never_seen)
    fake.merge(never_seen)
    result = reg.service.run_account(account)
    assert result["ok"], result
    gone = orders(reg)[form_id]
    assert gone.status == "cancelled" and "merged" in gone.reason
    assert never_seen not in orders(reg)
    assert cursor(reg, account) == fake.events["demo-seller"][-1]["id"]


def test_429_is_backed_off_as_allegro_asks(reg, fake):
    account = reg.connect()
    form_id = fake.add_order()
    fake.add_fault("/order/events", 429, times=2, retry_after=2)
    result = reg.service.run_account(account)
    assert result["ok"], result
    assert reg.sleeps.count(2.0) == 2
    assert form_id in orders(reg)


def test_a_failing_marketplace_is_retried_later_not_in_a_loop(reg, fake):
    account = reg.connect()
    fake.add_fault("/order/", 500, times=100)
    before = len(fake.api_calls())
    result = reg.service.run_account(account)
    assert not result["ok"] and result["error_code"] == "marketplace_busy"
    assert len(fake.api_calls()) - before == 4  # the call and three retries, then the import gives up
    listed = reg.service.list_accounts()[0]
    assert "500" in listed["last_error"]


def test_two_accounts_keep_their_orders_apart(reg, fake):
    first = reg.connect("sklep-a")
    second = reg.connect("sklep-b")
    assert first != second
    a = fake.add_order("sklep-a")
    b = fake.add_order("sklep-b")
    assert reg.service.run_account(first)["ok"] and reg.service.run_account(second)["ok"]
    assert set(orders(reg, first)) == {a} and set(orders(reg, second)) == {b}
    names = {item["name"] for item in reg.service.list_accounts()}
    assert names == {"sklep-a", "sklep-b"}
    again = reg.connect("sklep-a")  # connecting the same seller again keeps the account
    assert again == first


def test_an_order_in_another_currency_is_shown_with_the_reason(tmp_path, fake):
    from tests.marketplace.conftest import Register

    rub = Register(tmp_path, fake, currency="RUB")
    try:
        account = rub.connect()
        form_id = fake.add_order()
        assert rub.service.run_account(account)["ok"]
        order = orders(rub)[form_id]
        assert (
            order.status == "unsupported"
            and order.currency == "PLN"
            and "PLN" in order.reason
            and "RUB" in order.reason
        )
    finally:
        rub.close()


def test_an_account_set_to_never_is_not_due_but_imports_when_asked(reg, fake):
    from agent.marketplace.stream import AccountStream
    from agent.store.types import utcnow

    account = reg.connect()
    stream = AccountStream(reg.service, account)
    with reg.store.read() as session:
        assert stream.due(session, utcnow(), None)  # a new account imports at once
    view = reg.service.update_account(account, {"interval": "never"})
    assert view["interval"] == "never"
    with reg.store.read() as session:
        assert not stream.due(session, utcnow(), None)
    fake.add_order()
    assert reg.service.run_account(account)["stored"] == 1  # «Обновить сейчас» still works
    with reg.store.read() as session:
        assert not stream.due(session, utcnow(), None)


def test_a_stuck_marketplace_is_cut_off_at_the_deadline(reg, fake):
    import time

    account = reg.connect()
    reg.service.deadline = 0.5
    fake.add_fault("/order/checkout-forms", 0, times=1, delay=1.5)
    started = time.monotonic()
    result = reg.service.run_account(account)
    assert time.monotonic() - started < 3
    assert not result["ok"] and result["error_code"] == "marketplace_deadline"


def test_a_buyer_cancellation_withdraws_a_waiting_order(reg, fake):
    account = reg.connect()
    form_id = fake.add_order()
    assert reg.service.run_account(account)["ok"]
    fake.cancel("demo-seller", form_id)
    assert reg.service.run_account(account)["ok"]
    order = orders(reg)[form_id]
    assert order.status == "cancelled" and order.reason == "cancelled on the marketplace"


def test_shutdown_breaks_a_call_in_flight(reg, fake):
    import threading
    import time

    account = reg.connect()
    fake.add_fault("/order/checkout-forms", 0, times=1, delay=1.5)
    outcome: list[dict] = []
    worker = threading.Thread(target=lambda: outcome.append(reg.service.run_account(account)))
    worker.start()
    deadline = time.monotonic() + 10
    while not any(call[2].startswith("/order/checkout-forms") for call in fake.calls):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(0.1)  # the register is now waiting for the answer
    started = time.monotonic()
    reg.service.stop()
    worker.join(5)
    assert time.monotonic() - started < 1.0 and outcome and not outcome[0]["ok"]


def test_a_new_account_imports_what_waits_not_its_history(reg, fake):
    shipped = fake.add_order()
    processed_elsewhere(fake, shipped)  # sold and settled before this register was connected
    waiting = fake.add_order()
    account = reg.connect()
    assert reg.service.run_account(account)["ok"]
    assert set(orders(reg)) == {waiting}
    assert cursor(reg, account) == fake.events["demo-seller"][-1]["id"]


def test_zero_total_means_every_line_rounds_to_nothing():
    from agent.marketplace.orders import zero_total

    def order(total, *lines):
        lines = [{"quantity": quantity, "price": price} for quantity, price in lines]
        return MarketplaceOrder(
            source="allegro", remote_id="x", status="waiting", currency="PLN", total=total, lines=lines
        )

    assert zero_total(order(0, ("1.000", 0), ("2.000", 0)))
    assert zero_total(order(0, ("0.001", 1)))  # a tenth of a grosz rounds to nothing on the receipt too
    assert not zero_total(order(0, ("1.000", 1)))  # lines with a price are fiscalized at that price
    assert not zero_total(order(0))  # no lines: nothing to settle
    assert not zero_total(order(100, ("1.000", 0)))


def test_a_zero_total_allegro_order_is_settled_once_and_allegro_told(reg, fake):
    reg.add_products("SKU-1")
    account = reg.connect()
    form_id = fake.add_order(lines=[("SKU-1", "Gratis", 1, "0.00")], paid=False)
    assert reg.service.run_account(account)["ok"]
    order = orders(reg)[form_id]
    assert order.status == "settled" and order.receipt_uuid is None and order.status_reported
    assert fake.fulfillments == [(form_id, "PROCESSING")]
    assert reg.service.run_account(account)["ok"]  # nothing is reported twice
    assert fake.fulfillments == [(form_id, "PROCESSING")]


def test_an_order_with_an_absurd_amount_is_set_aside_and_the_rest_import(reg, fake):
    account = reg.connect()
    assert reg.service.run_account(account)["ok"]
    good = fake.add_order()
    bad = {amount: fake.add_order() for amount in ("1E+999999999", "sNaN", "12.345", "9" * 40)}
    for amount, form_id in bad.items():
        fake.orders["demo-seller"][form_id]["summary"]["totalToPay"]["amount"] = amount
    result = reg.service.run_account(account)
    assert result["ok"], result
    stored = orders(reg)
    assert stored[good].status == "waiting"
    assert {stored[form_id].status for form_id in bad.values()} == {"unsupported"}  # shown with the reason
    assert all(stored[form_id].reason for form_id in bad.values())


def test_an_order_quantity_finer_than_a_gram_is_set_aside(reg, fake):
    account = reg.connect()
    assert reg.service.run_account(account)["ok"]
    form_id = fake.add_order()
    fake.orders["demo-seller"][form_id]["lineItems"][0]["quantity"] = "0.0000001"
    assert reg.service.run_account(account)["ok"]
    assert orders(reg)[form_id].status == "unsupported" and orders(reg)[form_id].reason


def test_a_form_id_from_an_event_cannot_change_the_url(reg, fake):
    account = reg.connect()
    assert reg.service.run_account(account)["ok"]
    since = len(fake.calls)
    with fake.lock:
        for hostile in ("../../../sale/offers?limit=1&x=", "a#frag", "x" * 65):
            fake._event("demo-seller", "READY_FOR_PROCESSING", hostile)
    reg.service.run_account(account)
    paths = [call[2] for call in fake.api_calls(since)]
    assert all(path.startswith("/order/") for path in paths), paths  # unescaped: GET /sale/offers
    fetched = [path for path in paths if path.startswith("/order/checkout-forms/")]
    assert len(fetched) == 2 and "/order/checkout-forms/a%23frag" in fetched, paths
    assert not any("x" * 65 in path for path in paths)


def test_an_orders_names_keep_no_bidi_override_zero_width_or_line_separator(reg, fake):
    """Allegro's offer and buyer names went through a rule of the connector's own that took C0 and C1
    controls only: a right-to-left override, a zero-width joiner and a line separator were stored and
    handed to the API, the CLI's JSON and the back office's documents as they came."""
    account = reg.connect()
    form_id = fake.add_order(lines=[("SKU-1", "Ku\u202ebek\u2028nowy\u200d", 1, "5.00")])
    form = fake.orders["demo-seller"][form_id]
    form["buyer"]["firstName"], form["buyer"]["lastName"] = "\u202eJan", "Kowal\u2029ski\ufeff"
    assert reg.service.run_account(account)["ok"]
    order = orders(reg)[form_id]
    assert order.lines[0]["name"] == "Kubek nowy"
    assert order.buyer["name"] == "Jan Kowal ski"
