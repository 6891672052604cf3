"""Nothing in a sale walks the journal: its SQLite work is the same with 500 documents and 5,000.

Counted in SQLite's virtual-machine instructions (a progress handler), not in time: a statement that
walks every fiscalized document through an index still reads as a "SEARCH" in a query plan, but its
instructions grow with the journal.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import event

from agent.journal.journal import Journal
from agent.journal.requests import SaleRequest, ShiftRequest
from agent.journal.returns import returnable_lines
from agent.journal.sale import sell
from agent.journal.shift import open_shift
from agent.journal.views import document_view
from agent.store.models import Product
from bench.fixtures import build_store
from tests.conftest import uid
from tests.journal.fakes import FakeRegister, make_context

STEP = 100  # instructions per progress call


def _sale_instructions(state_dir, documents: int) -> int:
    """SQLite instructions of one two-line sale and the answer the API gives for it."""
    build_store(state_dir, documents=documents, cashier=False)
    ctx = make_context(state_dir, FakeRegister())
    with ctx.store.write() as session:
        session.add(Product(code="BREAD", name="Хлеб", price=4990, tax="vat10"))
        session.add(Product(code="MILK", name="Молоко", price=8990, tax="vat10"))
    journal = Journal(ctx)
    body = {"lines": [{"code": "BREAD", "quantity": "2"}, {"code": "MILK", "quantity": "1"}]}
    asyncio.run(open_shift(journal, ShiftRequest()))
    asyncio.run(sell(journal, SaleRequest(uuid=uid("warm"), **body)))  # caches, compiled statements
    counted = [0]

    def count() -> int:
        counted[0] += 1
        return 0  # go on

    def watch(dbapi_connection, _record) -> None:
        dbapi_connection.set_progress_handler(count, STEP)

    ctx.store.engine.dispose()  # every connection from here on is watched
    event.listen(ctx.store.engine, "connect", watch)
    try:
        doc, _ = asyncio.run(sell(journal, SaleRequest(uuid=uid("sale"), **body)))
        with ctx.store.read() as session:
            assert document_view(session, doc)["returns"] == []
            assert len(returnable_lines(session, doc)) == 2
    finally:
        ctx.store.close()
    return counted[0] * STEP


def test_a_sale_costs_the_same_sqlite_work_with_ten_times_the_journal(tmp_path):
    small = _sale_instructions(tmp_path / "small", 500)
    large = _sale_instructions(tmp_path / "large", 5_000)
    assert large <= small * 1.1 + 2 * STEP, f"{small} instructions with 500 documents, {large} with 5,000"
