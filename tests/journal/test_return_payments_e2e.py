"""Returns give the money back the way it came: a card is never refunded more than it paid, over
all of a sale's returns together, and the FN's return receipts (1031 cash, 1081 card) say the same."""

from __future__ import annotations

import uuid

import pytest

from agent.client import DaemonError
from tests.conftest import uid
from tests.journal.e2e import register_and_daemon

pytestmark = pytest.mark.slow


def test_two_returns_refund_the_card_no_more_than_it_paid(tmp_path):
    with register_and_daemon(tmp_path) as (kkt, daemon):
        client = daemon.client()
        sale = client.post(
            "/v1/receipts",
            json={
                "uuid": uid("sale"),
                "lines": [
                    {"name": "Хлеб", "price": 30000, "quantity": "2", "tax": "vat10"},
                    {"name": "Сыр", "price": 40000, "tax": "vat20"},
                ],
                "payments": [{"kind": "card", "amount": 50000}, {"kind": "cash", "amount": 100000}],
            },
        )
        assert sale["total"] == 100000 and sale["change"] == 50000  # card 500.00, cash 500.00 kept
        first = client.post(
            f"/v1/receipts/{sale['id']}/return",
            json={"uuid": uid("back-1"), "lines": [{"position": 1, "quantity": "1"}]},
        )
        rest = client.post(f"/v1/receipts/{sale['id']}/return", json={"uuid": uid("back-2")})
        fn = {doc["fd"]: doc for doc in kkt.journal()}

    refunds = [payment for back in (first, rest) for payment in back["payments"]]
    by_kind = {kind: sum(p["amount"] for p in refunds if p["kind"] == kind) for kind in ("card", "cash")}
    assert by_kind == {"card": 50000, "cash": 50000}, refunds
    assert first["payments"] == [{"kind": "card", "amount": 30000, "change": 0}]
    assert sorted((p["kind"], p["amount"]) for p in rest["payments"]) == [("card", 20000), ("cash", 50000)]
    for back in (first, rest):  # the FN's return receipts: cash 1031, card 1081
        sums = fn[back["fd"]]["sums"]
        paid = {p["kind"]: p["amount"] for p in back["payments"]}
        assert (sums["1031"], sums["1081"]) == (paid.get("cash", 0), paid.get("card", 0))


def test_a_refund_the_cashier_chooses_goes_to_a_card_no_more_than_it_has_left(tmp_path):
    """The cashier may pick the refund's payments, but a card gets back at most what it paid less
    what earlier returns gave it, and a cash sale nothing; cash is the drawer's to give."""
    with register_and_daemon(tmp_path) as (kkt, daemon):
        client = daemon.client()

        def sell(payments: list[dict]) -> dict:
            lines = [{"name": "Сыр", "price": 40000, "quantity": "2", "tax": "vat20"}]
            return client.post(
                "/v1/receipts", json={"uuid": str(uuid.uuid4()), "lines": lines, "payments": payments}
            )

        def give_back(sale: dict, payments: list[dict]) -> dict:
            body = {
                "uuid": str(uuid.uuid4()),
                "lines": [{"position": 1, "quantity": "1"}],
                "payments": payments,
            }
            return client.post(f"/v1/receipts/{sale['id']}/return", json=body)

        cash_sale = sell([{"kind": "cash"}])
        before = len(kkt.receipts())
        with pytest.raises(DaemonError) as refused:
            give_back(cash_sale, [{"kind": "card"}])
        assert refused.value.status == 422 and refused.value.code == "invalid_receipt"
        assert "cannot go back as card" in refused.value.message and "0.00" in refused.value.message
        assert len(kkt.receipts()) == before  # nothing reached the register

        mixed = sell([{"kind": "card", "amount": 50000}, {"kind": "cash"}])  # card 500.00, cash 300.00
        first = give_back(mixed, [{"kind": "card"}])  # 400.00 to the card: it paid 500.00
        assert first["payments"] == [{"kind": "card", "amount": 40000, "change": 0}]
        with pytest.raises(DaemonError) as refused:
            give_back(mixed, [{"kind": "card"}])  # another 400.00: the card has 100.00 left
        assert "100.00" in refused.value.message
        rest = give_back(mixed, [{"kind": "card", "amount": 10000}, {"kind": "cash", "amount": 30000}])
        assert rest["status"] == "fiscalized"
