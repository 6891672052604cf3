"""Payments: cash gives change, card pays exactly, mixes, and refusals naming the field."""

from __future__ import annotations

import pytest

from agent.journal.errors import InvalidReceipt
from agent.journal.payments import Settled, Tender, register_amounts, settle

KINDS = {"cash", "card"}


def test_cash_with_change():
    assert settle(15050, [Tender("cash", 20000)], KINDS) == [Settled("cash", 20000, 4950)]


def test_no_payment_means_exact_cash():
    assert settle(100, [], KINDS) == [Settled("cash", 100, 0)]


def test_card_for_the_rest():
    assert settle(100, [Tender("card")], KINDS) == [Settled("card", 100, 0)]


def test_mixed_card_and_cash_change_from_cash():
    settled = settle(1000, [Tender("card", 700), Tender("cash", 500)], KINDS)
    assert settled == [Settled("card", 700, 0), Settled("cash", 500, 200)]
    assert register_amounts(settled) == {"card": 700, "cash": 500}


def test_mixed_cash_and_open_card():
    assert settle(1000, [Tender("cash", 300), Tender("card")], KINDS) == [
        Settled("cash", 300, 0),
        Settled("card", 700, 0),
    ]


@pytest.mark.parametrize(
    ("tenders", "field", "words"),
    [
        ([Tender("card", 1001)], "payments", "only cash gives change"),
        ([Tender("cash", 999)], "payments", "paid 999 of 1000"),
        ([Tender("bitcoin", 1000)], "payments[0].kind", "unknown payment kind"),
        ([Tender("cash"), Tender("card")], "payments[1].amount", "only one payment"),
        ([Tender("cash", 1000), Tender("card")], "payments[1].amount", "nothing is left"),
        ([Tender("cash", 0)], "payments[0].amount", "more than zero"),
    ],
)
def test_refusals(tenders, field, words):
    with pytest.raises(InvalidReceipt) as caught:
        settle(1000, tenders, KINDS)
    assert caught.value.params["field"] == field
    assert words in str(caught.value)
