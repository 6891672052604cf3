"""What the operation modules (sale, returns, shift, recovery) and the local API need of the journal.

``agent.journal.journal.Journal`` is the one implementation; the operations are typed against this
so they depend on the journal's promises, not on its module (which imports recovery).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlmodel import Session

from agent.journal.codes import FiscalCodes
from agent.journal.payload import DocumentRows
from agent.journal.records import Operation
from agent.journal.shift_state import ShiftState
from agent.store.models import FiscalDocument
from drivers.fiscal_register import FiscalResult, FnStatus, RegisterStatus
from drivers.profile import Profile, Timeouts

T = TypeVar("T")
# (register, *args, stray_open, pending row) -> result, run in the register's port thread
# (``agent.journal.pending.PendingRow``: a receipt's close waits on it)
Perform = Callable[..., FiscalResult | None]


class FiscalJournal(Protocol):
    fn_serial: str | None
    state_dir: Any  # the daemon's state dir (crash-test markers)

    def now(self) -> datetime: ...

    def codes(self) -> FiscalCodes:
        """The register profile's tax, unit, payment codes; a clear 503 without a profile."""
        ...

    def timeouts(self) -> Timeouts: ...

    def marking(self) -> Any:
        """[marking] of the config (agent.config.schema.MarkingSettings)."""
        ...

    def mark_substitutes(self) -> tuple[str, ...]:
        """What the shop's scanners send for GS in a marking code, besides GS itself."""
        ...

    def profile(self) -> Profile:
        """The fiscal register's firmware profile; a clear 503 without one."""
        ...

    def timezone(self) -> str:
        """The zone the register's clock runs in."""
        ...

    def tax_system(self) -> str | None:
        """The shop's taxation system (tag 1055) from the config; None: the FN's only one."""
        ...

    def shift_now(self, session: Session) -> ShiftState: ...

    def check_shift_not_expired(self) -> None: ...

    def status_summary(self) -> dict[str, Any]: ...

    async def read(self, fn: Callable[[Session], T]) -> T: ...

    async def write(self, fn: Callable[[Session], T], *, durable: bool = True) -> T: ...

    async def device(self, fn: Callable[..., T], *args: Any, timeout: float | None = None) -> T:
        """Run ``fn(register, *args)`` in the register's port thread."""
        ...

    async def probe(self) -> tuple[RegisterStatus, FnStatus]: ...

    async def probe_after(self, first: Callable[..., T], *args: Any) -> tuple[T, RegisterStatus, FnStatus]:
        """``first(register, *args)`` and then ``probe()``, in one turn of the port's thread."""
        ...

    async def once(self, op: Operation | None, perform: Callable[[], Awaitable[T]]) -> tuple[T, bool]:
        """The register alone, nothing pending, a known uuid replayed: see ``Journal.once``."""
        ...

    async def fiscalize(
        self,
        op: Operation,
        perform: Perform,
        *args: Any,
        timeout: float | None = None,
        probed: tuple[RegisterStatus, FnStatus] | None = None,
        beside: bool = False,
    ) -> FiscalDocument: ...

    async def complete(
        self,
        doc_id: int,
        result: FiscalResult | None,
        written: FiscalDocument | None = None,
        own: DocumentRows | None = None,
    ) -> FiscalDocument: ...

    async def answer(self, doc: FiscalDocument, replayed: bool) -> dict[str, Any]:
        """The document as the local API shows it (``agent.journal.views.document_view``)."""
        ...
