"""A receipt's link to the order it settles is fixed on the document, so its upload never changes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import select

from agent.journal.payload import document_payloads
from agent.journal.records import Operation, write_pending
from agent.store import open_store
from agent.store.models import FiscalDocument, MarketplaceOrder

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def payload_of(store, uuid: str) -> dict:
    with store.read() as session:
        doc = session.exec(select(FiscalDocument).where(FiscalDocument.uuid == uuid)).one()
        return document_payloads(session, [doc])[0]


def test_the_link_is_written_with_the_document_and_documents_written_before_upload_as_they_did(
    tmp_path: Path,
):
    store = open_store(tmp_path)
    try:
        with store.write() as session:
            order = MarketplaceOrder(
                source="allegro",
                account=3,
                account_ref="4242",
                remote_id="form-1",
                status="waiting",
                currency="PLN",
                total=100,
            )
            relayed = MarketplaceOrder(
                source="backoffice", remote_id="ord-7", status="waiting", currency="RUB", total=100
            )
            session.add_all([order, relayed])
            session.flush()
            write_pending(
                session, Operation(uuid="new", type="sale", request_hash="h", order_id=order.id), "fn", 1, NOW
            )
            # a document an earlier version wrote: the same row, without the link it did not know
            old = write_pending(
                session,
                Operation(uuid="old", type="sale", request_hash="h", order_id=relayed.id),
                "fn",
                2,
                NOW,
            )
            old.order_link = None
            order_id = order.id

        assert payload_of(store, "new")["order"] == {
            "source": "allegro",
            "account": "4242",
            "external_id": "form-1",
        }
        old_payload = payload_of(store, "old")
        assert "order" not in old_payload and old_payload["order_id"] == "ord-7"

        with store.write() as session:  # the order's row changing later does not change what was uploaded
            session.get(MarketplaceOrder, order_id).account_ref = "9999"
        assert payload_of(store, "new")["order"]["account"] == "4242"
    finally:
        store.close()
