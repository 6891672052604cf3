"""An outage's backlog neither fails nor goes out with a whole batch of documents in the heap at once.

Each burst of Python objects larger than the heap already held left the daemon's RSS a megabyte
or two higher for the rest of the day (the soak's steps after every outage of the back office):
the allocator keeps what it grew to. The register side is measured alone (tracemalloc), the back
office being a process of its own on loopback.
"""

from __future__ import annotations

import gc
import json
import tracemalloc

from sqlmodel import select

from agent.backoffice.client import encode_documents
from agent.store.models import OutboxItem
from agent.sync import receipts
from agent.sync.receipts import Backoff
from tests.fixtures.backoffice import backoffice_server, documents_json

BATCH = 500  # the daemon's batch


def _peak_of(run) -> tuple[object, int]:
    """``run()``'s result and the most the traced heap held above where it started."""
    gc.collect()
    start = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    result = run()
    return result, tracemalloc.get_traced_memory()[1] - start


def test_a_backlog_is_built_a_chunk_at_a_time_when_it_fails_and_when_it_goes(tmp_path, reg):
    with backoffice_server(tmp_path) as bo:
        reg.pair(bo)
        stream = reg.engine.streams["receipts"]
        assert stream.batch == BATCH
        reg.add_documents(2 * BATCH)  # two full batches: one in flight, the next read ahead
        body = len(encode_documents([_payloads(reg, BATCH)]))
        chunk = body * receipts.BUILD_CHUNK // BATCH
        bo.stop()
        stream.backoff = Backoff(base=0.0, cap=0.0)
        tracemalloc.start()
        try:
            failed, failed_peak = _peak_of(lambda: reg.engine.run("receipts"))
            failed_again, again_peak = _peak_of(lambda: reg.engine.run("receipts"))
            bo.start()
            sent, sent_peak = _peak_of(lambda: reg.engine.run("receipts"))
        finally:
            tracemalloc.stop()
        assert not failed.ok and not failed_again.ok and sent.ok and sent.moved == 2 * BATCH
        assert len(documents_json(bo)) == 2 * BATCH
    with reg.store.read() as session:
        attempts = [item.attempts for item in session.exec(select(OutboxItem).order_by(OutboxItem.id))]
    assert attempts == [3] * BATCH + [1] * BATCH  # the head batch failed twice, then each went once
    # a batch's body (about 300 KiB here) is held encoded, twice while it is joined, beside one
    # chunk of documents as Python objects; measured 1.6 MB for each attempt, against 5.2 MB
    # when a batch's documents were built at once and a failed batch was loaded as models
    bound = 4 * body + 20 * chunk + 1_000_000
    assert failed_peak < bound and again_peak < bound and sent_peak < bound, (
        f"peaks {failed_peak}, {again_peak}, {sent_peak} bytes against {bound}"
    )


def _payloads(reg, count: int) -> list[dict]:
    from agent.journal.payload import document_payloads
    from agent.store.models import FiscalDocument

    with reg.store.read() as session:
        docs = session.exec(select(FiscalDocument).order_by(FiscalDocument.id).limit(count)).all()
        return document_payloads(session, docs)


def test_a_body_encoded_in_chunks_is_the_body_encoded_at_once():
    documents = [{"uuid": str(n), "lines": [{"name": "Хлеб «Бородинский»", "price": n}]} for n in range(7)]
    whole = json.dumps({"documents": documents}, ensure_ascii=False, separators=(",", ":")).encode()
    assert encode_documents([documents[:3], [], documents[3:]]) == whole
    assert encode_documents([]) == b'{"documents":[]}'
