"""What the emulated register remembers across restarts: its FN, shift, open receipt, drawer.

The state is one JSON file rewritten atomically (temp file, fsync, rename, fsync of the
directory) after every change, so a killed emulator comes back exactly where it was,
with an open receipt still open, as a real register does after a power cut.
"""

from __future__ import annotations

import copy
import json
import os
import threading
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path


@dataclass
class OpenReceipt:
    kind: int  # 0 sale, 1 buy, 2 return of sale, 3 return of buy
    opened_at: str
    items: list[dict] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    correction: bool = False


# what the world does to the register, not what a command does: a power cut in the middle of a
# command undoes the command, never a paper roll taken out, a cover opened or the OFD's answers
OUTSIDE = ("paper", "cover_open", "clock_offset", "ofd_online", "ofd_lost_since", "fn_expires", "fn_fill")


@dataclass
class KktState:
    clock_offset: float = 0.0  # seconds added to the real clock (tests move time forward)
    last_fd: int = 1  # FD 1 is the registration report written when the FN was fiscalized
    shift_open: bool = False
    shift_number: int = 0
    shift_opened_at: str | None = None
    receipt_number: int = 0  # receipts in the current shift
    receipt: OpenReceipt | None = None
    # FF41/FF42 began a shift document: TLV may be sent for it until E0/0x41 makes it
    shift_document: str | None = None  # "shift_open" | "shift_close"
    shift_tags: dict[str, str] = field(default_factory=dict)
    documents: list[dict] = field(default_factory=list)
    cash: int = 0  # kopecks in the drawer
    paper: bool = True
    cover_open: bool = False
    print_failed: bool = False  # paper ran out while printing: continue (0xB0) is needed
    ofd_online: bool = True
    ofd_lost_since: str | None = None  # a fault: the OFD has been unreachable since then
    timezone: str = "Europe/Moscow"  # the register's (and its FN's) clock runs in this zone
    tax_systems: int = 0x02  # tag 1062 of the registration: bit 0 ОСН, 1 УСН доход, ... 5 ПСН
    fn_expires: str = "2027-07-15"  # FF03: the FN's keys are valid until this date
    fn_fill: float = 0.0  # percent of the FN archive used (a fault moves it)
    # marked goods: the code checked (FF61) and not yet accepted or rejected (FF69), the codes
    # accepted for the next receipt, the units the national system knows as sold (by GTIN and
    # serial), and whether (and how slowly) it answers online checks
    mark_pending: dict | None = None
    marks_accepted: list[dict] = field(default_factory=list)
    marks_sold: list[str] = field(default_factory=list)
    mark_online: bool = True
    mark_delay: float = 0.0  # seconds the national system takes to answer

    def now(self) -> datetime:
        return (datetime.now(UTC) + timedelta(seconds=self.clock_offset)).replace(microsecond=0)

    def snapshot(self) -> KktState:
        """The state to go back to if the power fails mid-command: a command only appends to the
        FN's documents (or marks them sent to the OFD), so they are shared, not deep-copied."""
        return replace(
            self,
            receipt=copy.deepcopy(self.receipt),
            shift_tags=dict(self.shift_tags),
            mark_pending=copy.deepcopy(self.mark_pending),
            marks_accepted=copy.deepcopy(self.marks_accepted),
            marks_sold=list(self.marks_sold),
            documents=list(self.documents),
        )

    def rolled_back_to(self, before: KktState) -> KktState:
        """``before`` (a snapshot taken as a command began) with the outside world as it is now."""
        return replace(before, **{name: getattr(self, name) for name in OUTSIDE})

    def to_json(self) -> str:
        # written after every command: no deep copy of the documents, no indentation (both grow
        # with the FN's archive and made a long day's commands slower and slower)
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["receipt"] = asdict(self.receipt) if self.receipt else None
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> KktState:
        data = json.loads(text)
        receipt = data.pop("receipt", None)
        known = {key: value for key, value in data.items() if key in cls.__dataclass_fields__}
        state = cls(**known)
        state.receipt = OpenReceipt(**receipt) if receipt else None
        return state


def load_state(path: Path) -> KktState:
    try:
        return KktState.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return KktState()


_SAVING = threading.Lock()  # the serial loop and the control socket's thread both save


def save_state(path: Path, state: KktState) -> None:
    with _SAVING:
        _save(path, state)


def _save(path: Path, state: KktState) -> None:
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temp, "w", encoding="utf-8") as handle:
        handle.write(state.to_json())
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
