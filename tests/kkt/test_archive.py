"""The emulated FN's archive: appended a record per document, never rewritten, and what a kill or
a power cut tore off the end is not in the FN."""

from __future__ import annotations

import json

import pytest

from sim.kkt.device import Device, journal
from sim.kkt.state import ArchiveDamaged, KktState, archive_path, encode_record, load_state

PWD = bytes([30, 0, 0, 0])


def cash_in(device: Device, kopecks: int) -> None:
    assert device.handle(bytes([0x50]) + PWD + kopecks.to_bytes(5, "little"))[1] == 0


def day(device: Device, moves: int) -> None:
    """A shift with ``moves`` cash-ins, closed: 2 + ``moves`` documents."""
    assert device.handle(bytes([0xE0]) + PWD)[1] == 0
    for n in range(moves):
        cash_in(device, 100 + n)
    assert device.handle(bytes([0x41]) + PWD)[1] == 0


@pytest.fixture
def state(tmp_path):
    return tmp_path / "state.json"


def test_each_document_is_appended_and_the_state_file_stays_small(state):
    device = Device(state)
    day(device, 3)
    archive = archive_path(state).read_bytes()
    size = state.stat().st_size
    day(device, 30)
    grown = archive_path(state).read_bytes()
    assert grown.startswith(archive)  # what was written is never rewritten
    assert len(grown.splitlines()) == 5 + 32
    assert state.stat().st_size < size + 50  # counters, not documents
    assert "documents" not in json.loads(state.read_text())
    assert [doc["type"] for doc in journal(state)][:5] == ["shift_open", *["cash_in"] * 3, "shift_close"]
    assert load_state(state).documents == Device(state).state.documents == device.state.documents


def test_a_torn_last_record_is_not_in_the_fn(state):
    """Killed halfway through writing a record: readers see the documents before it, and the next
    document is written over the torn bytes."""
    device = Device(state)
    day(device, 2)
    with open(archive_path(state), "ab") as handle:
        handle.write(encode_record({"fd": 4, "type": "shift_open"})[:20])
    assert len(journal(state)) == len(load_state(state).documents) == 4

    device = Device(state)  # the emulator started again
    assert device.state.last_fd == 3
    day(device, 0)
    assert [doc["fd"] for doc in journal(state)] == [2, None, None, 3, 4, 5]
    assert len(archive_path(state).read_bytes().splitlines()) == 6


def test_a_whole_record_the_state_never_named_is_not_in_the_fn(state):
    """Killed after the record was written but before the state named it: the command never
    answered and never happened; its FD is the next document's."""
    device = Device(state)
    day(device, 0)
    committed = state.read_bytes()
    assert device.handle(bytes([0xE0]) + PWD)[1] == 0  # FD 4 written and named
    state.write_bytes(committed)  # ... as if the kill came between the two writes
    assert [doc["fd"] for doc in journal(state)] == [2, 3]

    device = Device(state)
    assert not device.state.shift_open
    day(device, 1)
    assert [doc["fd"] for doc in journal(state)] == [2, 3, 4, None, 5]
    assert len(archive_path(state).read_bytes().splitlines()) == 5


def test_a_garbled_committed_record_is_reported_not_skipped(state):
    day(Device(state), 1)
    data = bytearray(archive_path(state).read_bytes())
    data[30] ^= 0x01
    archive_path(state).write_bytes(bytes(data))
    with pytest.raises(ArchiveDamaged):
        load_state(state)


def test_a_state_file_with_its_documents_inside_moves_them_out(state):
    moment = "2026-11-30T10:00:00+03:00"
    documents = [
        {"fd": fd, "type": kind, "datetime": moment} for fd, kind in ((2, "shift_open"), (3, "shift_close"))
    ]
    old = KktState(last_fd=3, shift_number=1, documents=documents)
    data = {name: getattr(old, name) for name in old.__dataclass_fields__}
    state.write_text(json.dumps(data))
    device = Device(state)
    day(device, 0)
    assert [doc["fd"] for doc in journal(state)] == [2, 3, 4, 5]
    assert "documents" not in json.loads(state.read_text())


def test_the_ofd_takes_documents_oldest_first(state):
    device = Device(state)
    device.set_ofd_online(False)
    day(device, 1)
    assert [doc["ofd_sent"] for doc in journal(state)] == [False, False, False]
    device.shift_clock(1)
    device.set_ofd_online(True)
    device.handle(bytes([0xFF, 0x39]) + PWD)  # the OFD exchange status
    assert [doc["ofd_sent"] for doc in journal(state)] == [True, False, True]  # a cash move has no FD
