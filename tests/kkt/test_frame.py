"""Framing against frames captured from real registers, and a fuzzed parser that never loses sync.

Golden frames: re-star-ru/shtrih-m-driver, docs/out.txt (a Shtrih-M with an FN, LRCs checked).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.money import MAX_AMOUNT
from drivers.shtrih import values as v
from drivers.shtrih.errors import AmountOutOfRange
from drivers.shtrih.frame import ENQ, STX, Frame, FrameError, FrameReader, decode, encode, lrc
from drivers.shtrih.register import parse_fn_status, parse_short_status

PASSWORD_30 = bytes([0x1E, 0, 0, 0])

CANCEL_REQUEST = bytes.fromhex("0205881E00000093")
CANCEL_ANSWER = bytes.fromhex("020388001E95")
FN_STATUS_REQUEST = bytes.fromhex("0206FF011E000000E6")
FN_STATUS_ANSWER = bytes.fromhex(
    "0221FF01000300000100150 71D0B1D393238373434303330313132303939 31A901000068".replace(" ", "")
)
SHORT_STATUS_REQUEST = bytes.fromhex("0205101E0000000B")
SHORT_STATUS_ANSWER = bytes.fromhex("021010001E9202080001 9FE51801008B02006D".replace(" ", ""))


@pytest.mark.parametrize(
    ("raw", "command", "data"),
    [
        (CANCEL_REQUEST, 0x88, PASSWORD_30),
        (FN_STATUS_REQUEST, 0xFF01, PASSWORD_30),
        (SHORT_STATUS_REQUEST, 0x10, PASSWORD_30),
    ],
)
def test_requests_encode_byte_for_byte(raw, command, data):
    assert encode(command, data) == raw
    frame = decode(raw)
    assert (frame.command, frame.data) == (command, data)


@pytest.mark.parametrize("raw", [CANCEL_ANSWER, FN_STATUS_ANSWER, SHORT_STATUS_ANSWER])
def test_real_answers_decode_and_their_lrc_checks(raw):
    frame = decode(raw)
    assert frame.encode() == raw
    assert lrc(raw[1:-1]) == raw[-1]
    assert frame.data[0] == 0  # no error


def test_real_fn_status_answer_parses():
    fn = parse_fn_status(decode(FN_STATUS_ANSWER).data[1:])
    assert fn["fn_serial"] == "9287440301120991"
    assert fn["last_fd"] == 425
    assert fn["shift_open"] == 1 and fn["state"] == 3
    assert fn["datetime"].isoformat().startswith("2021-07-29T11:29")


def test_real_short_status_answer_parses():
    status = parse_short_status(decode(SHORT_STATUS_ANSWER).data[1:])
    assert status["operator"] == 30
    assert status["mode"] == 8 and status["submode"] == 0  # a receipt was open
    assert status["paper"] and not status["cover_open"]


def test_emulator_answers_cancel_exactly_like_the_real_register(emulator):
    import serial

    with serial.Serial(str(emulator.link), 115200, timeout=1) as port:
        port.write(bytes([ENQ]))
        port.read(1)
        port.write(CANCEL_REQUEST)
        assert port.read(1) == b"\x06"
        assert port.read(len(CANCEL_ANSWER)) == CANCEL_ANSWER
        port.write(b"\x06")


@pytest.mark.parametrize(
    "raw",
    [b"", b"\x02", b"\x02\x00\x00", b"\x03\x01\x10\x11", b"\x02\x01\x10\x00", b"\x02\x02\x10\x00\x13\x00"],
)
def test_damaged_frames_are_refused(raw):
    with pytest.raises(FrameError):
        decode(raw)


def test_values_round_trip():
    assert v.money(123456789) == bytes([0x15, 0xCD, 0x5B, 0x07, 0x00])
    assert v.parse_text(v.text("Молоко 3,2%", 40)) == "Молоко 3,2%"
    assert v.tlv_text(1008, "a@b") == bytes([0xF0, 0x03, 3, 0]) + b"a@b"
    assert v.tlv_text(1021, "Иванов")[4:] == "Иванов".encode("cp866")
    assert v.money(MAX_AMOUNT) == MAX_AMOUNT.to_bytes(5, "little")
    for beyond in (MAX_AMOUNT + 1, 1 << 40, -1):  # past what the register holds, or 5 bytes
        with pytest.raises(AmountOutOfRange):
            v.money(beyond)


bodies = st.one_of(
    st.tuples(st.integers(0, 0xFE), st.binary(max_size=200)),
    st.tuples(st.integers(0xFF00, 0xFFFF), st.binary(max_size=200)),
)


@settings(max_examples=300, deadline=None)
@given(
    frames=st.lists(bodies, min_size=1, max_size=5),
    noise=st.lists(st.sampled_from([0x05, 0x06, 0x15, 0x00, 0xFF, 0x41]), max_size=4),
    cuts=st.lists(st.integers(1, 30), max_size=20),
)
def test_reader_reassembles_frames_from_any_chunks(frames, noise, cuts):
    stream = bytes(noise)
    for command, data in frames:
        stream += encode(command, data)
    reader = FrameReader()
    events = []
    position = 0
    for cut in [*cuts, len(stream)]:
        events += reader.feed(stream[position : position + cut])
        position += cut
    got = [(e.command, e.data) for e in events if isinstance(e, Frame)]
    assert got == frames
    assert [e for e in events if isinstance(e, int)] == noise


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=600))
def test_reader_never_raises_on_garbage(data):
    reader = FrameReader()
    for event in reader.feed(data):
        assert isinstance(event, Frame | FrameError | int)
    # after any garbage, a clean frame that follows a pause (reset) is read
    reader.reset()
    (frame,) = reader.feed(encode(0x10, PASSWORD_30))
    assert frame.command == 0x10


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=3, max_size=258), st.integers(0, 255))
def test_a_flipped_byte_is_caught_by_lrc_or_length(body, flip):
    raw = bytearray(bytes([STX, len(body[:255])]) + body[:255])
    raw.append(lrc(raw[1:]))
    index = 1 + flip % (len(raw) - 1)
    raw[index] ^= 0x01
    try:
        frame = decode(bytes(raw))
    except FrameError:
        return
    pytest.fail(f"a damaged frame was accepted: {frame}")
