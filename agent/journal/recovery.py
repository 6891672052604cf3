"""Reconciliation: settle a ``pending`` journal row by asking the register what really happened.

For the row's expected FD (and any later ones, in case something else took that number):

- a document of the same type and total is on the FN → the row is completed from the FN
  (fiscalized + outbox), never printed again;
- a receipt is still open on the register → it is cancelled and the row is ``failed``
  (if the register only waits to finish printing a closed document after paper-out, it is
  told to continue first, then the FN is searched again);
- nothing → ``failed``, with a message for the operator: the sale did not happen and may be
  made again (with the same uuid);
- a cash move (no FD on this protocol, so the FN cannot be searched) whose command may have
  reached the register → ``failed`` with ``needs_check``: only counting the drawer tells, so
  the daemon says so (status, log) and refuses to repeat that uuid.

A register that does not answer leaves the row ``pending``; new operations wait for it.
"""

from __future__ import annotations

import logging

from agent.i18n import N_
from agent.journal import records
from agent.journal.protocol import FiscalJournal
from agent.journal.records import FN_TYPES, NEEDS_CHECK, NO_FD, PENDING
from agent.store.models import FiscalDocument
from drivers.errors import DriverError
from drivers.fiscal_register import FiscalRegister, FiscalResult, FoundDocument

log = logging.getLogger(__name__)


def _matches(doc: FiscalDocument, found: FoundDocument) -> bool:
    if str(found.type) != FN_TYPES.get(doc.type):
        return False
    return found.total is None or doc.type in ("shift_open", "shift_close") or found.total == doc.total


def _search(device: FiscalRegister, first: int, last: int) -> list[FoundDocument]:
    """Every FD from the expected one to the FN's last: a document not looked at could be the
    row's, and marking it failed would let a retry fiscalize it a second time."""
    found = []
    for fd in range(first, last + 1):
        document = device.find_document(fd)
        if document is not None:
            found.append(document)
    return found


def _continue_and_status(device: FiscalRegister):
    status = device.status()
    if status.waiting_continue:
        device.continue_printing()
        status = device.status()
    return status, device.fn_status()


async def reconcile(journal: FiscalJournal, doc_id: int, cause: Exception | None = None) -> FiscalDocument:
    doc = await journal.read(lambda s: s.get(FiscalDocument, doc_id))
    if doc is None or doc.status != PENDING:
        return doc
    status, fn = await journal.device(_continue_and_status)
    if doc.fn_serial and fn.fn_serial != doc.fn_serial:
        return await _fail(
            journal,
            doc,
            "fn_replaced",
            N_("the FN was replaced since this document was started; check the old FN's journal"),
        )
    expected = doc.expected_fd or fn.last_fd + 1
    candidates = await journal.device(_search, expected, fn.last_fd) if fn.last_fd >= expected else []
    for found in candidates:
        taken = await journal.read(lambda s, f=found: records.fd_taken(s, doc.fn_serial or "", f.fd, doc.id))
        if not taken and _matches(doc, found):
            log.info("document %s found on the FN as FD %s: completing it", doc.uuid, found.fd)
            result = FiscalResult(
                fd=found.fd,
                fiscal_sign=found.fiscal_sign,
                shift=fn.shift_number,
                fiscalized_at=found.fiscalized_at,
            )
            return await journal.complete(doc.id, result)
    if status.document_open or fn.document_open:
        await journal.device(lambda device: device.cancel_receipt())
        return await _fail(
            journal,
            doc,
            "receipt_cancelled",
            N_("the receipt was left open on the register and has been cancelled; make the sale again"),
        )
    if doc.type in NO_FD and not _refused(cause):
        return await _fail(
            journal,
            doc,
            NEEDS_CHECK,
            N_(
                "the register cannot confirm whether this cash move was made: count the cash in the "
                "drawer against an X report; if it was not made, make it again as a new cash move"
            ),
        )
    if cause is not None:
        code = getattr(cause, "code", "driver_error")
        return await _fail(journal, doc, code, str(cause))
    return await _fail(
        journal,
        doc,
        "not_fiscalized",
        N_("the register has no record of this document: it was not fiscalized; make it again"),
    )


def _refused(cause: Exception | None) -> bool:
    """The register answered with an error: it did nothing. A crash or a lost answer is no refusal."""
    return isinstance(cause, DriverError) and not cause.outcome_unknown


async def _fail(journal: FiscalJournal, doc: FiscalDocument, code: str, message: str) -> FiscalDocument:
    if code == NEEDS_CHECK:
        log.error("document %s (%s of %s) needs a person: %s", doc.uuid, doc.type, doc.total, message)
    else:
        log.warning("document %s (%s) failed: %s", doc.uuid, doc.type, message)
    return await journal.write(lambda s: records.mark_failed(s, doc.id, code, message))
