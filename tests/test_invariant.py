"""The torture's invariant tells lost, doubled, mismatched and unresolved documents apart."""

from __future__ import annotations

import copy

from bench.invariant import check
from bench.torture_mix import Ledger, Op

FN = [
    {"fd": 1, "type": "shift_open", "total": 0, "fiscal_sign": "11", "items": []},
    {"fd": 2, "type": "receipt", "total": 500, "fiscal_sign": "22", "items": [{"name": "T-s1"}]},
    {"fd": None, "type": "cash_in", "total": 1000, "fiscal_sign": None, "items": []},
]
ROWS = [
    {"id": 1, "uuid": "o1", "type": "shift_open", "status": "fiscalized", "fd": 1, "fiscal_sign": "11",
     "total": 0, "fn_serial": "F", "error_code": None, "created_at": "2026-11-30 10:00:00"},
    {"id": 2, "uuid": "s1", "type": "sale", "status": "fiscalized", "fd": 2, "fiscal_sign": "22",
     "total": 500, "fn_serial": "F", "error_code": None, "created_at": "2026-11-30 10:00:01"},
    {"id": 3, "uuid": "c1", "type": "cash_in", "status": "fiscalized", "fd": None, "fiscal_sign": None,
     "total": 1000, "fn_serial": "F", "error_code": None, "created_at": "2026-11-30 10:00:02"},
]  # fmt: skip
PAYMENTS = [{"document_id": 2, "kind": "cash", "amount": 500, "change": 0}]


def office(rows):
    keys = ("type", "fd", "fiscal_sign", "total", "fn_serial")
    return [
        {"uuid": r["uuid"], "status": "accepted", "message": None, "document": {k: r[k] for k in keys}}
        for r in rows
    ]


def ledger() -> Ledger:
    book = Ledger()
    book.add(Op("s1", "sale", "cli", {}, outcome="ok"))
    return book


def verdict(fn=FN, rows=ROWS, drawer=1500, sent=None, outbox=()):
    return check(fn, rows, list(outbox), PAYMENTS, office(rows) if sent is None else sent, drawer, ledger())


def test_three_equal_sets_are_clean():
    result = verdict()
    assert result.clean and result.docs == 3 and result.unresolved == 0


def test_a_receipt_twice_on_the_fn_is_doubled_and_one_in_no_row_is_lost():
    fn = [*FN, {"fd": 3, "type": "receipt", "total": 500, "fiscal_sign": "33", "items": [{"name": "T-s1"}]}]
    result = verdict(fn=fn, drawer=2000)
    assert any("on the FN 2 times" in p for p in result.doubled)
    assert any("FD 3 is on the FN, in no journal row" in p for p in result.lost)


def test_another_sign_or_a_missing_upload_or_a_full_outbox_is_caught():
    rows = copy.deepcopy(ROWS)
    rows[1]["fiscal_sign"] = "99"
    result = verdict(rows=rows, sent=office(ROWS[:2]), outbox=[{"status": "pending"}])
    assert any("signed 22 on the FN" in p for p in result.mismatched)
    assert any("c1 (FD None) never reached the back office" in p for p in result.lost)
    assert any("still in the outbox" in p for p in result.mismatched)


def test_a_cash_move_needing_a_person_is_unresolved_when_the_drawer_agrees():
    rows = copy.deepcopy(ROWS)
    rows[2].update(status="failed", error_code="needs_check")
    made = verdict(rows=rows, sent=office(ROWS[:2]))  # the register did make it
    assert made.clean and made.unresolved == 1
    not_made = verdict(fn=FN[:2], rows=rows, drawer=500, sent=office(ROWS[:2]))
    assert not_made.clean and not_made.unresolved == 1
    wrong_drawer = verdict(rows=rows, drawer=900, sent=office(ROWS[:2]))
    assert any("the drawer holds 900" in p for p in wrong_drawer.mismatched)
