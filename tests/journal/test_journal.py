"""The journal against an in-memory register: order of writes, idempotency, returns, recovery.

The register here is ``tests.journal.fakes.FakeRegister``; the same paths run end to end
against the daemon and the KKT emulator in ``test_e2e.py``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from agent.journal import records
from agent.journal.errors import JournalError
from agent.journal.journal import Journal
from agent.journal.records import Operation
from agent.journal.requests import CashRequest, ReturnRequest, SaleRequest, ShiftRequest, request_hashes
from agent.journal.returns import refund
from agent.journal.sale import sell
from agent.journal.shift import cash_move, close_shift, open_shift, shift_view, x_report
from agent.journal.views import document_view
from agent.store.models import Employee, FiscalDocument, OutboxItem, Product
from drivers.errors import DriverError
from drivers.shtrih.errors import DeviceNotResponding, PaperOut
from tests.conftest import uid
from tests.journal.fakes import FakeRegister, make_context


@pytest.fixture
def env(tmp_path):
    register = FakeRegister()
    ctx = make_context(tmp_path, register)
    with ctx.store.write() as session:
        session.add(Product(code="BREAD", name="Хлеб", price=4990, tax="vat10"))
        session.add(Product(code="CHEESE", name="Сыр", price=89900, tax="vat20", unit="kg", weighted=True))
        session.add(Employee(name="Иванова А.", role="cashier", inn="500100732259", pin_hash="x"))
    journal = Journal(ctx)
    yield journal, register, ctx
    ctx.store.close()


def run(coro):
    return asyncio.run(coro)


def sale(uuid=None, **body) -> SaleRequest:
    uuid = uuid or uid("s1")
    body.setdefault("lines", [{"code": "BREAD", "quantity": "2"}])
    return SaleRequest(uuid=uuid, **body)


def docs(ctx) -> list[FiscalDocument]:
    with ctx.store.read() as session:
        return list(session.exec(select(FiscalDocument).order_by(FiscalDocument.id)))


def test_a_sale_opens_the_shift_and_is_fiscalized_with_its_outbox_row(env):
    journal, register, ctx = env
    doc, replayed = run(sell(journal, sale(cashier={"employee_id": 1}, buyer_contact="a@b.ru")))
    assert not replayed
    assert [d.type for d in docs(ctx)] == ["shift_open", "sale"]
    assert doc.status == "fiscalized" and doc.fd == register.last_fd and doc.total == 9980
    assert doc.expected_fd == doc.fd
    assert register.receipts()[0]["tags"] == [(1021, "Иванова А."), (1203, "500100732259"), (1008, "a@b.ru")]
    with ctx.store.read() as session:
        assert [o.document_id for o in session.exec(select(OutboxItem))] == [1, doc.id]
        view = document_view(session, doc)
    assert view["lines"][0]["quantity"] == "2.000" and view["kkt_serial"] == "0012345678"


def test_the_same_uuid_never_fiscalizes_twice(env):
    journal, register, _ctx = env
    first, _ = run(sell(journal, sale()))
    again, replayed = run(sell(journal, sale()))
    assert replayed and again.fd == first.fd
    assert len(register.receipts()) == 1
    with pytest.raises(JournalError) as caught:
        run(sell(journal, sale(lines=[{"code": "BREAD", "quantity": "3"}])))
    assert caught.value.code == "uuid_conflict" and caught.value.status == 409
    assert len(register.receipts()) == 1


def test_weighted_and_free_price_lines_with_receipt_discount(env):
    journal, register, _ctx = env
    request = sale(
        lines=[{"code": "CHEESE", "quantity": "0.333"}, {"name": "Пакет", "price": 500, "tax": "vat20"}],
        discount=100,
        payments=[{"kind": "card", "amount": 20000}, {"kind": "cash", "amount": 20000}],
    )
    doc, _ = run(sell(journal, request))
    receipt = register.receipts()[0]
    assert doc.total == receipt["total"] == 29937 + 500 - 100
    assert receipt["payments"] == {"card": 20000, "cash": 20000}


def test_whole_pieces_only_for_non_weighted_products(env):
    journal, register, _ctx = env
    with pytest.raises(JournalError) as caught:
        run(sell(journal, sale(lines=[{"code": "BREAD", "quantity": "1.5"}])))
    assert caught.value.params["field"] == "lines[0].quantity"
    assert register.calls == []  # refused before the register heard anything


def test_an_expired_shift_blocks_sales(env):
    journal, register, ctx = env
    register.shift_open, register.shift_number = True, 7
    register.shift_opened_at = ctx.clock() - timedelta(hours=25)
    with pytest.raises(JournalError) as caught:
        run(sell(journal, sale()))
    assert caught.value.code == "shift_expired" and "Z report" in str(caught.value)
    assert register.receipts() == []
    run(close_shift(journal, ShiftRequest()))
    doc, _ = run(sell(journal, sale()))
    assert doc.status == "fiscalized" and doc.shift == 8


def test_shift_cycle_and_cash(env):
    journal, register, _ctx = env
    opened, _ = run(open_shift(journal, ShiftRequest(cashier={"name": "Петров"})))
    with pytest.raises(JournalError) as caught:
        run(open_shift(journal, ShiftRequest()))
    assert caught.value.code == "shift_already_open"
    cash, _ = run(cash_move(journal, "cash_in", CashRequest(uuid=uid("cash-1"), amount=100000)))
    closed, _ = run(close_shift(journal, ShiftRequest()))
    assert [opened.type, cash.type, closed.type] == ["shift_open", "cash_in", "shift_close"]
    assert cash.total == 100000 and closed.fd == register.last_fd
    assert not journal.shift.open


def test_returns_are_limited_to_what_is_left(env):
    journal, register, ctx = env
    sold, _ = run(sell(journal, sale(lines=[{"code": "BREAD", "quantity": "3"}], discount=1)))
    assert sold.total == 3 * 4990 - 1
    part, _ = run(
        refund(journal, sold.id, ReturnRequest(uuid=uid("r1"), lines=[{"position": 1, "quantity": "1"}]))
    )
    assert part.total == 4990  # round(14969 / 3)
    with pytest.raises(JournalError) as caught:
        run(refund(journal, sold.id, ReturnRequest(uuid=uid("r2"), lines=[{"position": 1, "quantity": "3"}])))
    assert caught.value.code == "return_limit" and caught.value.params["left"] == "2.000"
    rest, _ = run(refund(journal, sold.id, ReturnRequest(uuid=uid("r3"))))
    assert part.total + rest.total == sold.total  # the returns give back exactly what was paid
    with pytest.raises(JournalError) as caught:
        run(refund(journal, sold.id, ReturnRequest(uuid=uid("r4"))))
    assert caught.value.code == "already_returned"
    assert [r["type"] for r in register.receipts()] == ["receipt", "return", "return"]
    with ctx.store.read() as session:
        assert document_view(session, sold)["lines"][0]["returned"] == "3.000"


def test_a_driver_error_mid_receipt_cancels_it_and_fails_the_row(env):
    journal, register, ctx = env
    run(open_shift(journal, ShiftRequest()))
    register.fail_at["add_item"] = PaperOut()
    with pytest.raises(DriverError):
        run(sell(journal, sale()))
    failed = docs(ctx)[-1]
    assert failed.status == "failed" and failed.error_code == "receipt_cancelled"
    assert "cancel_receipt" in register.calls and register.open_doc is None
    doc, replayed = run(sell(journal, sale()))  # the same uuid may be sold again: nothing was fiscalized
    assert not replayed and doc.status == "fiscalized" and doc.id == failed.id
    assert len(register.receipts()) == 1


def test_a_lost_answer_after_close_is_completed_from_the_fn(env):
    journal, register, _ctx = env
    register.lose_answer_of.add("close_receipt")
    doc, _ = run(sell(journal, sale()))
    assert doc.status == "fiscalized" and doc.fd == register.last_fd
    assert doc.fiscal_sign == register.receipts()[0]["sign"]
    assert len(register.receipts()) == 1


def _pending(ctx, register, uuid=None, total=4990):
    uuid = uuid or uid("p1")
    op = Operation(uuid=uuid, type="sale", request_hash="h", total=total)
    with ctx.store.write() as session:
        return records.write_pending(
            session, op, register.fn_status().fn_serial, register.last_fd + 1, ctx.clock()
        )


@pytest.mark.parametrize("situation", ["closed", "open", "waiting", "nothing"])
def test_recovery_settles_every_pending_row(env, situation):
    journal, register, ctx = env
    register.shift_open, register.shift_number = True, 1
    doc = _pending(ctx, register)
    if situation in ("closed", "waiting"):
        register.open_receipt("sale")
        register.add_item(type("Item", (), {"amount": 4990})())
        register.close_receipt(type("P", (), {"total": 4990, "amounts": {}})(), total=4990)
        register.waiting_continue = situation == "waiting"
    elif situation == "open":
        register.open_receipt("sale")
    printed = len(register.receipts())
    assert run(journal.recover()) == 0
    settled = docs(ctx)[-1]
    assert settled.id == doc.id
    if situation in ("closed", "waiting"):
        assert settled.status == "fiscalized" and settled.fd == register.last_fd
    else:
        assert settled.status == "failed" and settled.error_message
        assert register.open_doc is None
    assert len(register.receipts()) == printed  # never printed again
    assert ("continue_printing" in register.calls) == (situation == "waiting")


def test_a_pending_row_the_register_cannot_settle_blocks_new_sales(env):
    journal, register, ctx = env
    _pending(ctx, register)
    register.fail_at["status"] = DeviceNotResponding(port="/dev/ttyUSB0")
    with pytest.raises(JournalError) as caught:
        run(sell(journal, sale(uuid=uid("next"))))
    assert caught.value.code == "journal_unsettled"
    assert register.receipts() == []


def test_status_summary(env):
    journal, _register, _ctx = env
    run(sell(journal, sale()))
    summary = journal.status_summary()
    assert summary["shift"]["open"] and summary["shift"]["hours_left"] in (23, 24)
    assert summary["queue"]["depth"] == 2  # the shift opening and the sale
    assert Decimal(3) == 3  # no floats crept into the numbers above
    assert all(not isinstance(value, float) for value in summary["queue"].values())


def test_fiscalize_refuses_to_run_outside_once(env):
    journal, register, _ctx = env
    op = Operation(uuid=uid("stray"), type="cash_in", request_hash="h", total=100)
    with pytest.raises(RuntimeError, match=r"Journal\.once"):
        run(journal.fiscalize(op, lambda device, stray, state_dir: device.cash_in(100)))
    assert "cash_in" not in register.calls


def test_every_operation_waits_for_pending_rows_first(env):
    journal, register, ctx = env
    run(open_shift(journal, ShiftRequest(uuid=uid("open"))))
    operations = {
        "sale": lambda: sell(journal, sale(uuid=uid("s"))),
        "cash": lambda: cash_move(journal, "cash_in", CashRequest(uuid=uid("c"), amount=100)),
        "close": lambda: close_shift(journal, ShiftRequest(uuid=uid("z"))),
        "x": lambda: x_report(journal),
    }
    for name, operation in operations.items():
        _pending(ctx, register)
        register.fail_at["status"] = DeviceNotResponding(port="/dev/ttyUSB0")
        with pytest.raises(JournalError) as caught:
            run(operation())
        assert caught.value.code == "journal_unsettled", name
        run(journal.recover())
    assert "x_report" not in register.calls and "close_shift" not in register.calls


def test_a_status_poll_is_followed_without_writing_the_journals_shift(env):
    journal, register, ctx = env
    run(sell(journal, sale()))
    number = journal.shift.number
    register.shift_open = False  # a Z report printed on the register's own keyboard
    ctx.devices.fiscal_register.last_status = register.status()
    assert journal.status_summary()["shift"]["open"] is False
    assert run(shift_view(journal))["open"] is False
    assert journal.shift.open and journal.shift.number == number  # the poll did not write it


def test_the_component_registers_the_service_and_recovers_at_start(tmp_path):
    from agent.journal.component import JournalComponent

    register = FakeRegister(shift_open=True, shift_number=1)
    ctx = make_context(tmp_path, register)
    pending = _pending(ctx, register)
    register.open_receipt("sale")  # the daemon died with this receipt open

    async def start_and_stop():
        component = JournalComponent(ctx)
        await component.start()
        assert ctx.services.journal is component.journal
        await asyncio.wait_for(component._task, 10)
        await component.stop()

    run(start_and_stop())
    assert docs(ctx)[0].id == pending.id and docs(ctx)[0].status == "failed"
    assert register.open_doc is None and register.receipts() == []
    ctx.store.close()


def test_a_row_an_earlier_version_hashed_still_answers_the_same_request():
    """Rows written before numbers were hashed by value hold the hash of the numbers as written; a
    retry of such a uuid after an upgrade is still the same request, not a uuid_conflict."""
    body = SaleRequest(uuid=uid("upgrade"), lines=[{"code": "BREAD", "quantity": "2.000"}])
    asked = body.model_dump(mode="json", exclude={"uuid", "cashier"}, exclude_none=True) | {"kind": "sale"}
    written = json.dumps(asked, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    earlier = hashlib.sha256(written.encode()).hexdigest()
    op = Operation(uuid=body.uuid, type="sale", **request_hashes("sale", body))
    assert op.request_hash != earlier and op.asks(earlier)
    same = SaleRequest(uuid=body.uuid, lines=[{"code": "BREAD", "quantity": 2}])
    assert Operation(uuid=body.uuid, type="sale", **request_hashes("sale", same)).asks(op.request_hash)
