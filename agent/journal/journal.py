"""The journal service: every fiscal operation written ``pending``, sent, then settled, never twice.

One operation at a time (one register). The order of an operation is the product's promise:

1. hold the register alone, settle anything a crash left ``pending`` (``recovery``) and replay a
   known uuid — ``Journal.once``, the one way every operation reaches the register;
2. read the register (shift, FN serial, last FD) and write the row ``pending`` with the FD
   number the FN should give it — committed and fsynced before anything that can make an FN
   document reaches the register (a receipt's open and lines make none: they go out while the
   row is committed, and its close waits for it); a store that cannot write refuses the
   operation here (a receipt already open is cancelled);
3. drive the register (a stray open receipt is cancelled first);
4. write the fiscal result, status ``fiscalized`` and the outbox row in one transaction.

Any driver error sends the document straight to recovery, which asks the register what
really happened instead of guessing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from agent.config.schema import MarkingSettings
from agent.daemon.context import Context
from agent.daemon.devices import DeviceHandle
from agent.i18n import N_
from agent.journal import records
from agent.journal.codes import FiscalCodes
from agent.journal.crash import crash_point
from agent.journal.errors import JournalError, RecordFailed, StoreFailed
from agent.journal.marks import substitutes_of
from agent.journal.payload import DocumentRows
from agent.journal.pending import PendingRow
from agent.journal.protocol import Perform, T
from agent.journal.records import FAILED, FISCALIZED, NEEDS_CHECK, PENDING, Operation
from agent.journal.recovery import reconcile
from agent.journal.register import probe
from agent.journal.shift_state import ShiftState
from agent.journal.views import RECEIPT_TYPES, document_view
from agent.store.models import FiscalDocument
from drivers.errors import DriverError
from drivers.fiscal_register import FiscalResult, FnStatus, RegisterStatus
from drivers.profile import Profile, Timeouts

log = logging.getLogger(__name__)


class Journal:
    """The service behind ``ctx.services.journal`` (``agent.journal.protocol.FiscalJournal``)."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self._lock = asyncio.Lock()
        self._holding = False  # inside ``once``: the only place ``fiscalize`` may run
        self.shift = ShiftState()  # written on the event loop only: by ``probe`` and ``complete``
        self.kkt_serial: str | None = None
        self.registration_number: str | None = None  # tag 1037, read with the serial
        self.fn_serial: str | None = None
        self._poll_seen: RegisterStatus | None = None  # the poll's status when our last operation ended
        self._completed: tuple[int, dict[str, Any]] | None = None  # the last receipt recorded, as viewed then

    # -- the register -------------------------------------------------------------------------

    @property
    def fiscal_register(self) -> DeviceHandle:
        handle = self.ctx.devices.fiscal_register
        if handle is None:
            raise JournalError(
                503,
                "register_not_configured",
                N_("no fiscal register is configured: set [printer] port in the config"),
            )
        return handle

    @property
    def state_dir(self) -> Path:
        return self.ctx.settings.state_dir

    def tax_system(self) -> str | None:
        """The shop's taxation system (tag 1055) from the config; None: the FN's only one."""
        return self.ctx.settings.config.printer.tax_system

    def now(self) -> datetime:
        return self.ctx.clock()

    def marking(self) -> MarkingSettings:
        """[marking]: the scanners' GS substitute and the permissive mode's online check."""
        return self.ctx.settings.config.marking

    def mark_substitutes(self) -> tuple[str, ...]:
        """What the shop's scanners send for GS in a marking code, besides GS itself."""
        return substitutes_of(self.ctx.settings.config)

    def timezone(self) -> str:
        """The zone the register's clock runs in ([printer] timezone)."""
        return self.ctx.settings.config.printer.timezone

    def profile(self) -> Profile:
        profile = self.fiscal_register.profile
        if profile is None or profile.fiscal is None:
            raise JournalError(
                503,
                "register_profile_missing",
                N_("the fiscal register's profile is not loaded: check [printer] profile in the config"),
            )
        return profile

    def codes(self) -> FiscalCodes:
        return FiscalCodes.from_profile(self.profile())

    def timeouts(self) -> Timeouts:
        return self.profile().timeouts

    async def device(self, fn: Callable[..., T], *args: Any, timeout: float | None = None) -> T:
        """Run ``fn(register, *args)`` in the port's thread; a missing register is a clear 503."""
        handle = self.fiscal_register
        try:
            return await handle.call(fn, *args, timeout=timeout)
        except (DriverError, JournalError):
            raise
        except Exception as exc:  # DeviceUnavailable, a dead port, a timeout of the handle
            log.warning("fiscal register unavailable: %s", exc)
            raise JournalError(
                503,
                "register_unavailable",
                N_("the fiscal register does not answer ({problem}); check its cable and power"),
                problem=str(exc) or type(exc).__name__,
            ) from exc

    async def probe(self) -> tuple[RegisterStatus, FnStatus]:
        status, fn = await self.device(probe)
        return await self._probed(status, fn)

    async def probe_after(self, first: Callable[..., T], *args: Any) -> tuple[T, RegisterStatus, FnStatus]:
        """``first(register, *args)`` and then ``probe()``, in one turn of the port's thread."""
        done, status, fn = await self.device(lambda device: (first(device, *args), *probe(device)))
        return done, *await self._probed(status, fn)

    async def _probed(self, status: RegisterStatus, fn: FnStatus) -> tuple[RegisterStatus, FnStatus]:
        self._poll_seen = self._poll()
        self.fn_serial = fn.fn_serial
        await self.note_shift(status)
        if self.kkt_serial is None:  # the device manager read it when it opened the port
            info = self.fiscal_register.info
            if info is None:
                info = await self.device(lambda device: device.device_info())
            self.kkt_serial = info.serial
            self.registration_number = info.registration_number or None
        return status, fn

    # -- the store ----------------------------------------------------------------------------

    async def read(self, fn: Callable[[Session], T]) -> T:
        def run():
            with self.ctx.store.read() as session:
                return fn(session)

        return await asyncio.to_thread(run)

    async def write(self, fn: Callable[[Session], T], *, durable: bool = True) -> T:
        def run():
            with self.ctx.store.write(durable=durable) as session:
                return fn(session)

        return await asyncio.to_thread(run)

    # -- shift --------------------------------------------------------------------------------

    async def note_shift(self, status: RegisterStatus) -> None:
        previous = self.shift
        opened_at = status.shift_opened_at
        if status.shift_open and opened_at is None:
            if previous.open and previous.number == status.shift_number and previous.opened_at:
                opened_at = previous.opened_at
            else:
                opened_at = await self.read(lambda s: shift_opened_at(s, status.shift_number))
        self.shift = ShiftState(
            known=True,
            open=status.shift_open,
            number=status.shift_number,
            opened_at=opened_at if status.shift_open else None,
            expired_on_register=status.shift_expired,
        )

    def check_shift_not_expired(self) -> None:
        if self.shift.expired(self.ctx.clock()):
            raise JournalError(
                409,
                "shift_expired",
                N_(
                    "the shift has been open for more than 24 hours: close it with a Z report "
                    "(kassa printer z-report), then sell again"
                ),
            )

    # -- one fiscal operation -----------------------------------------------------------------

    async def once(self, op: Operation | None, perform: Callable[[], Awaitable[T]]) -> tuple[T, bool]:
        """Run ``perform`` with the register to ourselves, nothing left ``pending``, exactly once per uuid.

        Returns ``(result, replayed)``: for a uuid already fiscalized with the same request, the
        first document and True, without touching the register. ``op`` None is an operation that
        writes no document (an X report): it still waits its turn and for recovery. The device
        manager's status poll yields meanwhile, so the operation's commands follow each other.
        """
        handle = self.ctx.devices.fiscal_register
        async with self._lock:
            with handle.hold() if handle is not None else contextlib.nullcontext():
                known = await self._settle_pending(op.uuid if op is not None else None)
                if op is not None and (first := self._replay(op, known)) is not None:
                    return first, True
                self._holding = True
                try:
                    return await perform(), False
                finally:
                    self._holding = False

    def _replay(self, op: Operation, doc: FiscalDocument | None) -> FiscalDocument | None:
        """The first result of a known uuid (``doc``, its row after settling), or None to go ahead."""
        if doc is None:
            return None
        if not op.asks(doc.request_hash) and not _order_retold(doc, op):
            raise JournalError(
                409,
                "uuid_conflict",
                N_("the uuid {uuid} was already used for a different request: send a new uuid"),
                uuid=op.uuid,
            )
        if doc.status == FISCALIZED:
            return doc
        if doc.error_code == NEEDS_CHECK:
            raise JournalError(
                409,
                "needs_check",
                N_(
                    "the register cannot confirm whether {uuid} was made, so it is not made again: "
                    "count the cash in the drawer against an X report, and if it was not made, "
                    "make it as a new one"
                ),
                uuid=op.uuid,
            )
        return None  # failed earlier: nothing reached the FN, so it may be fiscalized now

    async def fiscalize(
        self,
        op: Operation,
        perform: Perform,
        *args: Any,
        timeout: float | None = None,
        probed: tuple[RegisterStatus, FnStatus] | None = None,
        beside: bool = False,
    ) -> FiscalDocument:
        """Steps 2–4 above, inside ``once``.

        ``probed`` is the register's state if the caller has just read it (saves two round trips).
        ``beside``: ``perform`` waits for ``PendingRow.durable()`` before its first command that can
        make an FN document (a receipt's close), so the row's commit runs while the receipt's open
        and lines go out (``agent.journal.pending``).
        """
        if not self._holding:
            raise RuntimeError(f"{op.type} {op.uuid}: fiscalize runs only inside Journal.once")
        status, fn = probed or await self.probe()
        if status.waiting_continue:  # the last document's printing stopped at paper-out: finish it
            await self.device(lambda device: device.continue_printing())
            status, fn = await self.probe()
        expected_fd = fn.last_fd + 1
        crash_point("before_commit", self.state_dir)
        opened = asyncio.Event()  # beside: the receipt is open, the row's commit may start
        loop = asyncio.get_running_loop()
        row = PendingRow(
            self.state_dir, written=not beside, begin=lambda: loop.call_soon_threadsafe(opened.set)
        )
        own: list[DocumentRows] = []  # a receipt's rows for its answer, read while the wire is busy

        def pending(session: Session) -> FiscalDocument:
            doc = records.write_pending(session, op, fn.fn_serial, expected_fd, self.ctx.clock())
            doc.kkt_serial = self.kkt_serial
            doc.registration_number = self.registration_number
            if op.type in RECEIPT_TYPES:
                own.append(DocumentRows.read(session, [doc]))
            if beside:  # killed before the commit, with the receipt open on the register
                crash_point("before_durable", self.state_dir, first=lambda: row.opened.wait(30))
            return doc

        async def write_row() -> FiscalDocument:
            if beside:
                await opened.wait()
            return await self._write_pending(op, pending)

        commit = asyncio.ensure_future(write_row())
        if beside:
            commit.add_done_callback(lambda done: row.settle(_problem_of(done)))
        else:
            await commit
            crash_point("after_commit", self.state_dir)
        stray = status.document_open or fn.document_open
        try:
            try:
                result = await self.device(perform, *args, stray, row, timeout=timeout)
            finally:
                row.begin()  # whatever became of the receipt, its row is written: recovery reads it
        except (DriverError, JournalError) as exc:
            doc = await self._written(commit, exc)
            log.warning("%s %s: register error %s; reconciling", op.type, op.uuid, exc)
            settled = await self.reconcile_one(doc.id, cause=exc)
            if settled is not None and settled.status == FISCALIZED:
                return settled
            raise
        doc = await commit  # done: the perform waited for it before its close
        crash_point("after_close", self.state_dir)
        done = await self.complete(doc.id, result, written=doc, own=own[0] if own else None)
        crash_point("after_result", self.state_dir)
        return done

    async def _write_pending(
        self, op: Operation, pending: Callable[[Session], FiscalDocument]
    ) -> FiscalDocument:
        try:
            return await self.write(pending)
        except (SQLAlchemyError, OSError) as exc:
            log.error("journal write failed before fiscalizing %s: %s", op.uuid, exc)
            raise StoreFailed(_short(exc)) from exc

    async def _written(self, commit: asyncio.Future, cause: Exception) -> FiscalDocument:
        """The pending row after a register error; if its commit failed, a receipt that went out
        beside it is cancelled and the operation refused as ``StoreFailed``."""
        try:
            return await commit
        except StoreFailed:
            if not isinstance(cause, StoreFailed):  # else the perform has cancelled it already
                with contextlib.suppress(DriverError, JournalError):
                    await self.device(lambda device: device.cancel_receipt())
            raise

    async def complete(
        self,
        doc_id: int,
        result: FiscalResult | None,
        written: FiscalDocument | None = None,
        own: DocumentRows | None = None,
    ) -> FiscalDocument:
        """Record the row fiscalized (``written``: as its pending write left it, if held); a
        receipt's answer is built in the same transaction (``own``: its rows as read there)."""
        now = self.ctx.clock()

        def done(session: Session) -> tuple[FiscalDocument, dict[str, Any] | None]:
            doc = records.mark_fiscalized(
                session,
                doc_id,
                fd=result.fd if result else None,
                fiscal_sign=result.fiscal_sign if result else None,
                shift=result.shift if result else self.shift.number,
                fiscalized_at=result.fiscalized_at if result else now,
                number_in_shift=result.number_in_shift if result else None,
                written=written,
            )
            if doc.type not in RECEIPT_TYPES:
                return doc, None
            return doc, document_view(session, doc, own=own)

        # a result with an FD is the FN's to give again: lost with a power cut before the next
        # fsync, the row is pending once more and recovery completes it from the FN
        try:
            doc, view = await self.write(done, durable=result is None or result.fd is None)
        except (SQLAlchemyError, OSError) as exc:
            log.error("fiscalized document %s could not be recorded: %s", doc_id, exc)
            raise RecordFailed(_short(exc)) from exc
        self._completed = (doc.id, view) if view is not None else None
        self._poll_seen = self._poll()
        if doc.type == "shift_open" and result is not None:
            self.shift = ShiftState(True, True, result.shift, result.fiscalized_at)
        elif doc.type == "shift_close":
            self.shift = ShiftState(True, False, result.shift if result else self.shift.number)
        return doc

    async def answer(self, doc: FiscalDocument, replayed: bool) -> dict[str, Any]:
        """The document as the local API shows it: for the receipt this journal just fiscalized,
        the view built in the transaction that recorded it (no second read of what was written),
        else read now."""
        completed, self._completed = self._completed, None
        if not replayed and completed is not None and completed[0] == doc.id:
            return completed[1]
        return await self.read(lambda s: document_view(s, doc, replayed))

    def _poll(self) -> RegisterStatus | None:
        handle = self.ctx.devices.fiscal_register
        return handle.last_status if handle is not None else None

    def shift_now(self, session: Session) -> ShiftState:
        """The shift as last seen, followed by the device manager's status poll (a Z report printed
        by hand, a shift past 24 h). Only a poll newer than our own last operation counts: one read
        before it is stale. Reads only, so any thread may ask.
        """
        known, status = self.shift, self._poll()
        if not isinstance(status, RegisterStatus) or status is self._poll_seen:
            return known
        same = status.shift_number == known.number and known.open
        opened_at = status.shift_opened_at or (known.opened_at if same else None)
        if status.shift_open and opened_at is None:
            opened_at = shift_opened_at(session, status.shift_number)
        return ShiftState(
            True,
            status.shift_open,
            status.shift_number,
            opened_at if status.shift_open else None,
            status.shift_expired,
        )

    def status_summary(self) -> dict[str, Any]:
        """Shift and upload queue for ``GET /v1/status``: memory and one small query, no device call."""
        now = self.ctx.clock()
        shift = self.shift
        try:
            with self.ctx.store.read() as session:
                shift = self.shift_now(session)
                queue = records.outbox_queue(session, now)
                attention = [_needs_person(doc) for doc in records.needing_a_person(session)]
        except SQLAlchemyError:
            log.warning("outbox count failed", exc_info=True)
            queue = {"depth": None, "oldest_age_seconds": None}
            attention = []
        return {"shift": shift.view(now), "queue": queue, "attention": attention}

    # -- recovery -----------------------------------------------------------------------------

    async def reconcile_one(self, doc_id: int, cause: Exception | None = None) -> FiscalDocument | None:
        try:
            return await reconcile(self, doc_id, cause)
        except (DriverError, JournalError) as exc:
            log.warning("document %s stays pending: %s", doc_id, exc)
            return None

    async def _settle_pending(self, uuid: str | None = None) -> FiscalDocument | None:
        """Reconcile every pending row; refuse new work while one cannot be settled (or at shutdown).

        Returns the row of ``uuid`` as it stands after that (read with the pending rows: one read
        when nothing is pending)."""
        if self.ctx.stopping:
            raise JournalError(503, "stopping", N_("the kassa daemon is stopping; try again in a moment"))

        def look(session: Session) -> tuple[list[FiscalDocument], FiscalDocument | None]:
            return records.pending_documents(session), records.by_uuid(session, uuid) if uuid else None

        pending, known = await self.read(look)
        for doc in pending:
            settled = await self.reconcile_one(doc.id)
            if settled is None or settled.status == PENDING:
                raise JournalError(
                    503,
                    "journal_unsettled",
                    N_(
                        "the document {uuid} is not yet reconciled with the register; "
                        "check the register's cable and power, then try again"
                    ),
                    uuid=doc.uuid,
                )
        if pending and uuid:
            known = await self.read(lambda s: records.by_uuid(s, uuid))
        return known

    async def recover(self) -> int:
        """Settle what a crash left pending (at start and after driver errors); how many remain."""
        async with self._lock:
            try:
                await self._settle_pending()
                status, fn = await self.probe()
                if status.document_open or fn.document_open:  # no row is pending: a kill before its commit
                    log.warning("a receipt left open on the register with no journal row: cancelling it")
                    await self.device(lambda device: device.cancel_receipt())
            except (DriverError, JournalError) as exc:
                log.warning("recovery incomplete: %s", exc)
            return len(await self.read(records.pending_documents))


def _order_retold(doc: FiscalDocument, op: Operation) -> bool:
    """An order's sale whose first attempt never reached the FN may go with another body: its uuid
    is derived from the order (not a client's key), so the cashier's other packs or payment kind are
    the same order's one receipt. A ``failed`` row is re-armed with the new request."""
    return op.order_id is not None and doc.status == FAILED and doc.error_code != NEEDS_CHECK


def shift_opened_at(session: Session, number: int) -> datetime | None:
    """When our journal saw shift ``number`` open (the register may not report it)."""
    query = (
        select(FiscalDocument.fiscalized_at)
        .where(
            FiscalDocument.type == "shift_open",
            FiscalDocument.status == FISCALIZED,
            FiscalDocument.shift == number,
        )
        .order_by(FiscalDocument.id.desc())
    )
    return session.exec(query).first()


def _needs_person(doc: FiscalDocument) -> dict[str, Any]:
    return {
        "uuid": doc.uuid,
        "type": doc.type,
        "total": doc.total,
        "created_at": doc.created_at.isoformat() if doc.created_at else None,
        "message": doc.error_message,
    }


def _problem_of(commit: asyncio.Future) -> str | None:
    """None when the row was committed, else what went wrong."""
    if commit.cancelled():
        return "the commit was cancelled"
    error = commit.exception()
    if error is None:
        return None
    return str(error.params.get("problem")) if isinstance(error, StoreFailed) else _short(error)


def _short(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
