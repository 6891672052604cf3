"""The journal hands a B2B buyer to the register with ``add_buyer`` (the register sends it in its
FFD's form), in the same place the buyer's tags always went: after the lines, before the close."""

from __future__ import annotations

import asyncio

import pytest

from agent.journal.journal import Journal
from agent.journal.requests import SaleRequest, ShiftRequest
from agent.journal.sale import sell
from agent.journal.shift import open_shift
from agent.store.models import Product
from drivers.errors import DriverError
from drivers.shtrih.errors import BadParameters
from tests.conftest import uid
from tests.journal.fakes import FakeRegister, make_context


@pytest.fixture
def env(tmp_path):
    register = FakeRegister()
    ctx = make_context(tmp_path, register)
    with ctx.store.write() as session:
        session.add(Product(code="BREAD", name="Хлеб", price=4990, tax="vat10"))
    yield Journal(ctx), register
    ctx.store.close()


def b2b(name: str = "b2b") -> SaleRequest:
    return SaleRequest(
        uuid=uid(name),
        lines=[{"code": "BREAD"}, {"code": "BREAD", "quantity": "2"}],
        buyer_contact="a@b.ru",
        buyer_name="ООО Ромашка",
        buyer_inn="7707083893",
    )


def test_the_buyer_goes_once_by_add_buyer_after_the_lines_and_tags_before_the_close(env):
    journal, register = env
    asyncio.run(open_shift(journal, ShiftRequest()))
    register.calls.clear()
    doc, _ = asyncio.run(sell(journal, b2b()))
    assert doc.status == "fiscalized" and (doc.buyer_name, doc.buyer_inn) == ("ООО Ромашка", "7707083893")
    receipt = [call for call in register.calls if call not in ("status", "fn_status", "tax_systems")]
    assert receipt[receipt.index("open_receipt") :] == [
        "open_receipt",
        "add_item",
        "add_item",
        "add_tag",  # 1008, the contact
        "add_buyer",
        "close_receipt",
    ]
    assert register.receipts()[0]["tags"] == [(1008, "a@b.ru"), (1227, "ООО Ромашка"), (1228, "7707083893")]


def test_a_refused_buyer_cancels_the_receipt_and_nothing_is_fiscalized(env):
    journal, register = env
    asyncio.run(open_shift(journal, ShiftRequest()))
    register.fail_at["add_buyer"] = BadParameters()
    with pytest.raises(DriverError):
        asyncio.run(sell(journal, b2b("b2b-refused")))
    assert "cancel_receipt" in register.calls and register.open_doc is None
    assert register.receipts() == []
