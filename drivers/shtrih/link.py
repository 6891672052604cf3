"""The Shtrih-M link layer over pyserial: one command, one answer, never executed twice.

Before a command the host sends ENQ: NAK means the device is ready; ACK means it holds
(or is preparing) an answer, which is read and put aside. The command frame is re-sent
only when the device said NAK to it or, asked with ENQ, shows it never took it. When the
answer does not come in time the host asks with ENQ whether it is pending instead of
sending the command again: a re-sent sale would be printed twice.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import time
from collections import deque

import serial

from drivers.serial_port import Flow, PortError, open_serial
from drivers.shtrih.errors import AnswerLost, DeviceNotResponding, DeviceTimeout, LinkError, PortUnavailable
from drivers.shtrih.frame import ACK, ENQ, NAK, STX, Frame, FrameError, decode, encode

log = logging.getLogger(__name__)

ENQ_WAIT = 0.5  # the device answers ENQ at once
ENQ_TRIES = 4
FRAME_TRIES = 3
BYTE_WAIT = 0.5  # between bytes of one frame
READ_SIZE = 512  # more than the longest frame: whatever has come is taken at once
ANSWER_GRACE = 2.0  # after a timeout, when ENQ says the answer is still being prepared
RECONNECT_WINDOW = 5.0  # a power-cycled USB adapter comes back within this


class _Dropped(Exception):
    """The port went away under us (unplugged, power cycle)."""


class Link:
    def __init__(self, port: str, baud: int, *, write_timeout: float = 5.0, flow: Flow = "none"):
        self.port = port
        self.baud = baud
        self.write_timeout = write_timeout
        self.flow = flow
        self._serial: serial.SerialBase | None = None
        self._fd: int | None = None  # the device path's descriptor, to wait on with select
        self._received = bytearray()  # bytes read from the port and not yet taken
        self.stale_answers: deque[Frame] = deque(maxlen=16)  # answers nobody asked for, for diagnosis

    # port

    def open(self) -> None:
        try:
            self._serial = open_serial(
                self.port, baud=self.baud, timeout=ENQ_WAIT, write_timeout=self.write_timeout, flow=self.flow
            )
        except PortError as exc:
            raise PortUnavailable(port=self.port, detail=exc.reason) from None
        self._received.clear()
        fileno = getattr(self._serial, "fileno", None)
        try:
            self._fd = fileno() if fileno is not None else None
        except (OSError, ValueError, serial.SerialException):
            self._fd = None

    def close(self) -> None:
        if self._serial is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                self._serial.close()
            self._serial = None
            self._fd = None
            self._received.clear()

    def _reopen(self) -> None:
        self.close()
        deadline = time.monotonic() + RECONNECT_WINDOW
        while True:
            try:
                self.open()
                return
            except PortUnavailable:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.1)

    def _byte_time(self, count: int) -> float:
        return count * 10 / self.baud

    # bytes

    def _write(self, data: bytes) -> None:
        """Hand ``data`` to the port. No drain (tcdrain) after it: the answer cannot come before the
        bytes have left anyway, and a USB adapter's drain costs a round trip of its own."""
        if self._serial is None:
            raise _Dropped()
        try:
            if self._fd is not None:  # a device path: straight to its descriptor
                written = os.write(self._fd, data)
                if written == len(data):
                    return
                data = data[written:]  # the driver's buffer was full: pyserial waits for room
            self._serial.write(data)
        except (serial.SerialException, OSError) as exc:
            raise _Dropped() from exc

    def _clear_input(self) -> None:
        self._received.clear()
        if self._serial is not None:
            self._serial.reset_input_buffer()

    def _fill(self, wait: float) -> None:
        """Wait up to ``wait`` for bytes and take all that have come: one read, not one per byte.

        A device path is waited on and read through its descriptor (pyserial's read would set the
        port's timeout, which reconfigures the port, and wrap each read in a select of its own);
        a pyserial URL through pyserial."""
        port = self._serial
        if port is None:
            raise _Dropped()
        try:
            if self._fd is not None:
                ready, _, _ = select.select([self._fd], [], [], max(0.0, wait))
                if not ready:
                    return
                try:
                    got = os.read(self._fd, READ_SIZE)
                except BlockingIOError:  # woken with nothing to read after all
                    return
                if not got:  # the line hung up
                    raise _Dropped()
                self._received += got
                return
            port.timeout = max(0.02, wait)
            first = port.read(1)
            self._received += first
            if first and port.in_waiting:
                self._received += port.read(port.in_waiting)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise _Dropped() from exc

    def _read(self, count: int, wait: float) -> bytes:
        """Up to ``count`` bytes within ``wait`` and the time ``count`` bytes take on the wire."""
        deadline = time.monotonic() + wait + self._byte_time(count)
        while len(self._received) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._fill(remaining)
        got = bytes(self._received[:count])
        del self._received[:count]
        return got

    def _read_control(self, wait: float) -> int | None:
        """The next ACK/NAK/STX within ``wait``; noise is skipped."""
        deadline = time.monotonic() + wait
        while True:
            if not self._received:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._fill(remaining)
                continue
            byte = self._received.pop(0)
            if byte in (ACK, NAK, STX):
                return byte

    def _read_frame_after_stx(self) -> Frame | None:
        """The rest of a frame whose STX was read; None (after NAKing) when it came damaged."""
        head = self._read(1, BYTE_WAIT)
        if not head or head[0] == 0:
            return None
        rest = self._read(head[0] + 1, BYTE_WAIT)
        try:
            return decode(bytes([STX]) + head + rest)
        except FrameError:
            return None

    def _receive_answer(self, wait: float) -> Frame | None:
        """Wait up to ``wait`` for an answer frame, asking for repeats of damaged ones."""
        deadline = time.monotonic() + wait
        for _attempt in range(FRAME_TRIES + 1):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            first = self._read_control(remaining)
            if first is None:
                return None
            if first != STX:
                continue
            frame = self._read_frame_after_stx()
            if frame is not None:
                self._write(bytes([ACK]))
                return frame
            self._clear_input()
            self._write(bytes([NAK]))
            deadline = max(deadline, time.monotonic() + 1.0)
        return None

    def probe(self, wait: float = 0.3) -> bool:
        """One ENQ: does a Shtrih-M device answer at this speed? (ACK or NAK, nothing else)."""
        try:
            self._clear_input()
            self._write(bytes([ENQ]))
            return self._read_control(wait) in (ACK, NAK)
        except _Dropped:
            return False

    # the handshake

    def _ready(self) -> None:
        """ENQ until the device says NAK (ready); answers it still holds are taken and set aside."""
        for _attempt in range(ENQ_TRIES):
            self._write(bytes([ENQ]))
            reply = self._read_control(ENQ_WAIT)
            if reply == NAK:
                return
            if reply == ACK:
                stale = self._receive_answer(ANSWER_GRACE)
                if stale is not None:
                    log.warning("discarded a pending answer to command 0x%X", stale.command)
                    self.stale_answers.append(stale)
                continue
            if reply == STX:
                self._read_frame_after_stx()
                continue
        raise DeviceNotResponding(port=self.port)

    def transact(self, command: int, data: bytes, timeout: float) -> Frame:
        """Send one command and return its answer frame (error byte still inside)."""
        raw = encode(command, data)  # before the ENQ: the frame goes out the moment NAK comes
        if self._serial is None:
            self.open()
        try:
            self._ready()
        except _Dropped:
            self._reopen()
            try:
                self._ready()
            except _Dropped:
                raise DeviceNotResponding(port=self.port) from None
        name = f"0x{command:X}"
        try:
            return self._exchange(raw, command, timeout, name)
        except _Dropped:
            self._reopen_quietly()
            raise AnswerLost(command=name) from None

    def _reopen_quietly(self) -> None:
        try:
            self._reopen()
        except LinkError:
            self.close()

    def _exchange(self, raw: bytes, command: int, timeout: float, name: str) -> Frame:
        for _attempt in range(FRAME_TRIES):
            self._write(raw)
            reply = self._read_control(max(1.0, self._byte_time(len(raw)) * 2 + 0.5))
            if reply == NAK:
                continue  # the device refused the frame: it did not execute it
            if reply == STX:  # our ACK was lost but the answer came at once
                frame = self._read_frame_after_stx()
                if frame is not None:
                    self._write(bytes([ACK]))
                    return self._check(frame, command, name)
                return self._after_timeout(command, name, timeout)
            if reply is None:
                taken = self._ask_taken(name, timeout)
                if taken is None:
                    continue  # never reached the device: sending again is safe
                return (
                    self._check(taken, command, name)
                    if isinstance(taken, Frame)
                    else self._after_timeout(command, name, timeout)
                )
            answer = self._receive_answer(timeout)
            if answer is None:
                return self._after_timeout(command, name, timeout)
            return self._check(answer, command, name)
        raise DeviceNotResponding(port=self.port)

    def _ask_taken(self, name: str, timeout: float) -> Frame | bool | None:
        """After a lost ACK: did the device take the command? None = no, a Frame = its answer."""
        self._write(bytes([ENQ]))
        reply = self._read_control(ENQ_WAIT)
        if reply == NAK:
            return None
        if reply == ACK:  # taken: the answer is ready or being prepared
            answer = self._receive_answer(max(timeout, ANSWER_GRACE))
            return answer if answer is not None else True
        raise AnswerLost(command=name)

    def _after_timeout(self, command: int, name: str, timeout: float) -> Frame:
        """No answer in time: ask with ENQ rather than send the command again."""
        self._write(bytes([ENQ]))
        reply = self._read_control(ENQ_WAIT)
        if reply == ACK:
            answer = self._receive_answer(ANSWER_GRACE)
            if answer is not None:
                return self._check(answer, command, name)
            raise DeviceTimeout(command=name, seconds=f"{timeout:g}")
        raise AnswerLost(command=name)  # NAK: nothing pending; silence: gone mid-command

    def _check(self, frame: Frame, command: int, name: str) -> Frame:
        if frame.command != command:
            self.stale_answers.append(frame)
            raise AnswerLost(command=name)
        return frame
