"""The emulated device answers any command body with a well-formed answer, never a crash."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.shtrih.frame import command_bytes, split_command
from sim.kkt.device import Device

COMMANDS = [
    0xFC,
    0x10,
    0x11,
    0x1F,
    0xE0,
    0x40,
    0x41,
    0x8D,
    0x80,
    0x82,
    0x85,
    0x88,
    0x89,
    0xB0,
    0x17,
    0x25,
    0x50,
    0x51,
]
FN_COMMANDS = [0xFF01, 0xFF02, 0xFF03, 0xFF08, 0xFF0A, 0xFF0C, 0xFF39, 0xFF40, 0xFF45, 0xFF46, 0xFF99]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(COMMANDS + FN_COMMANDS + [0x01, 0x99]),
            st.one_of(st.binary(max_size=200), st.binary(max_size=60).map(lambda b: b"\x1e\x00\x00\x00" + b)),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_any_command_sequence_gets_an_answer_for_that_command(sequence):
    with tempfile.TemporaryDirectory() as directory:
        device = Device(Path(directory) / "state.json")
        for command, data in sequence:
            answer = device.handle(command_bytes(command) + data)
            assert split_command(answer)[0] == command
            assert len(answer) <= 255
            assert device.mode() in (2, 3, 4) or device.mode() & 0x0F == 8
        reloaded = Device(Path(directory) / "state.json")
        assert reloaded.state == device.state
