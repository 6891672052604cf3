"""What the emulated register remembers across restarts: its FN, shift, open receipt, drawer.

Two files, as a register keeps two memories. The FN's archive of documents is append-only
(``archive_path``): one line per document, ``<crc32 hex> <json>``, written and fsynced before
the state says it is there, so a long day appends a line per document instead of rewriting a
growing file. The rest (shift, open receipt, drawer, counters, the number and byte length of
the archive's records) is one small JSON file rewritten atomically (temp file, fsync, rename,
fsync of the directory) after every change; it is the commit point. A record beyond the length
it names (a torn line or a whole one whose command never answered, after a SIGKILL or a power
cut) is not in the FN: readers ignore it and the next writer cuts it off. A killed emulator
comes back exactly where it was, with an open receipt still open, as a real register does.
"""

from __future__ import annotations

import copy
import json
import os
import threading
import zlib
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
OUTSIDE = (
    "paper",
    "cover_open",
    "clock_offset",
    "ofd_online",
    "ofd_lost_since",
    "ofd_sent_fd",
    "fn_expires",
    "fn_fill",
    "mark_online",
    "mark_delay",
)


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
    documents: list[dict] = field(default_factory=list)  # the FN's archive, oldest first; append only
    cash: int = 0  # kopecks in the drawer
    paper: bool = True
    cover_open: bool = False
    print_failed: bool = False  # paper ran out while printing: continue (0xB0) is needed
    ofd_online: bool = True
    ofd_lost_since: str | None = None  # a fault: the OFD has been unreachable since then
    ofd_sent_fd: int = 1  # the OFD has confirmed every document up to this FD (the FN sends in order)
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
        FN's documents, so they are shared, not deep-copied."""
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

    def to_json(self, archive: tuple[int, int]) -> str:
        """Everything but the documents, and how many records of how many bytes the archive holds."""
        data = {name: getattr(self, name) for name in self.__dataclass_fields__ if name != "documents"}
        data["receipt"] = asdict(self.receipt) if self.receipt else None
        data["archive_records"], data["archive_bytes"] = archive
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> tuple[KktState, int, int]:
        """The state and the archive's committed records and bytes (a state file of the days
        before the archive carries its documents itself; the next save moves them out)."""
        data = json.loads(text)
        receipt = data.pop("receipt", None)
        archive = data.pop("archive_records", 0), data.pop("archive_bytes", 0)
        known = {key: value for key, value in data.items() if key in cls.__dataclass_fields__}
        state = cls(**known)
        state.receipt = OpenReceipt(**receipt) if receipt else None
        return state, *archive


class ArchiveDamaged(RuntimeError):
    """A record the state says the FN holds is missing or garbled: the disk lost it."""


def archive_path(state_path: Path) -> Path:
    return state_path.with_name(state_path.stem + ".fn.jsonl")


def encode_record(doc: dict) -> bytes:
    body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    return b"%08x %s\n" % (zlib.crc32(body), body)


def decode_records(data: bytes) -> tuple[list[dict], list[int]]:
    """The whole, intact records at the start of ``data`` and the byte offset each one ends at;
    reading stops at the first torn or garbled one."""
    docs: list[dict] = []
    ends: list[int] = []
    start = 0
    while (end := data.find(b"\n", start)) >= 0:
        line = data[start:end]
        body = line[9:]
        if len(line) < 10 or line[8:9] != b" " or line[:8] != b"%08x" % zlib.crc32(body):
            break
        try:
            docs.append(json.loads(body))
        except ValueError:
            break
        start = end + 1
        ends.append(start)
    return docs, ends


def load_state(path: Path, documents: list[dict] | None = None) -> KktState:
    """The committed state; ``documents``, when given, is an archive already in memory that
    holds at least the committed records (a refused command reloads the state without
    reading the archive again)."""
    try:
        state, records, size = KktState.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return KktState()
    if state.documents:
        return state
    if documents is not None and len(documents) >= records:
        state.documents = documents[:records]
        return state
    try:
        with open(archive_path(path), "rb") as handle:
            data = handle.read(size)
    except FileNotFoundError:
        data = b""
    docs, _ = decode_records(data)
    if len(docs) != records:
        raise ArchiveDamaged(f"{archive_path(path)}: {len(docs)} intact records, the state names {records}")
    state.documents = docs
    return state


class _Archive:
    """The writer's view of one archive file: where each committed record ends."""

    def __init__(self, state_path: Path):
        self.path = archive_path(state_path)
        try:
            _, records, size = KktState.from_json(state_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            records, size = 0, 0
        try:
            with open(self.path, "rb") as handle:
                data = handle.read(size)
        except FileNotFoundError:
            data = b""
        docs, self.ends = decode_records(data)
        if len(docs) != records:
            raise ArchiveDamaged(f"{self.path}: {len(docs)} intact records, the state names {records}")
        self._cut(size)  # what lies beyond the committed length never reached the FN

    @property
    def size(self) -> int:
        return self.ends[-1] if self.ends else 0

    def _cut(self, size: int) -> None:
        try:
            if self.path.stat().st_size > size:
                os.truncate(self.path, size)
        except FileNotFoundError:
            pass

    def append(self, docs: list[dict], fsync: bool) -> None:
        if not docs:
            return
        records = [encode_record(doc) for doc in docs]
        with open(self.path, "ab") as handle:
            handle.write(b"".join(records))
            handle.flush()
            if fsync:
                os.fsync(handle.fileno())
        size = self.size
        for record in records:
            size += len(record)
            self.ends.append(size)

    def shrink(self, records: int) -> None:
        del self.ends[records:]
        self._cut(self.size)


_SAVING = threading.Lock()  # the serial loop and the control socket's thread both save
_ARCHIVES: dict[Path, _Archive] = {}


def save_state(path: Path, state: KktState, fsync: bool = True) -> None:
    """Commit ``state``: new documents are appended to the archive before the state names them;
    documents undone (a power cut before the command reached the FN) are cut off after.
    ``fsync=False`` leaves the flushing to the kernel (benchmarks that measure kassa, not this
    disk)."""
    with _SAVING:
        archive = _ARCHIVES.get(path)
        if archive is None or _stale(archive):
            archive = _ARCHIVES[path] = _Archive(path)
        count = len(state.documents)
        archive.append(state.documents[len(archive.ends) :], fsync)
        committed = archive.ends[count - 1] if count else 0
        _save(path, state.to_json((count, committed)), fsync)
        if len(archive.ends) > count:
            archive.shrink(count)


def _stale(archive: _Archive) -> bool:
    """Someone else wrote the files (another process, a test starting over): read them again."""
    try:
        return archive.path.stat().st_size != archive.size
    except FileNotFoundError:
        return archive.size != 0


def _save(path: Path, text: str, fsync: bool) -> None:
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        if fsync:
            os.fsync(handle.fileno())
    os.replace(temp, path)
    if not fsync:
        return
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
