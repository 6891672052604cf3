"""The emulated register's serial side: a pty whose device end is symlinked where a port would be.

It speaks the Shtrih-M link layer as the device does: ENQ is answered with NAK (ready for
a command) or ACK (an answer is being prepared or waits to be taken, and follows); a
command frame is ACKed (or NAKed on a bad LRC), executed once, and answered; the answer
is repeated on NAK and kept until the host ACKs it. ``--baud`` makes every byte take the
time it takes on a wire (10 bits a byte).

A power cycle while a command is still being carried out (its answer not yet sent) ends as
on a device: the command was either applied or not, drawn from a seeded random generator,
so crash tests meet both outcomes and a seed repeats a run.
"""

from __future__ import annotations

import contextlib
import os
import random
import select
import socket
import sys
import threading
import time
from pathlib import Path

from sim.control import control_path
from sim.kkt.device import Device
from sim.kkt.faults import Fault, parse_fault
from sim.kkt.state import save_state
from sim.kkt.wire import ACK, ENQ, NAK, Damaged, Received, Receiver, frame
from sim.pty_link import close_linked_pty, open_linked_pty

ANSWER_ACK_WAIT = 1.0  # how long the device waits for the host's ACK of an answer
POWER_OFF_SECONDS = 0.5
MAX_REPEATS = 10
INTER_BYTE_TIMEOUT = 0.5


class Faults:
    """Switches set from the control thread and read by the link loop; its lock also gives the
    two threads turns on the device (a refused command reloads the committed state, which
    would drop a fault set in the middle of it)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.slow = 0.0
        self.drop_ack = False
        self.bad_lrc = False
        self.power_cycle = threading.Event()
        self.power_back = threading.Event()


class KktServer:
    def __init__(
        self,
        link: Path,
        state: Path,
        baud: int | None = None,
        clock_offset_hours: float = 0.0,
        seed: int | None = None,
    ):
        self.link = Path(link)
        self.device = Device(Path(state))
        if clock_offset_hours:
            self.device.shift_clock(clock_offset_hours)
        self.baud = baud
        self.draw = random.Random(seed)
        self.faults = Faults()
        self.stop = threading.Event()
        self.master = -1
        self.slave = -1
        self.reader = Receiver()
        self.before_command = None  # the device's state before the command being carried out
        self.answer: bytes | None = None  # encoded answer frame not yet ACKed by the host
        self.answer_state = "none"  # none | preparing | sent | held
        self.answer_ready_at = 0.0
        self.answer_sent_at = 0.0
        self.repeats = 0
        self.last_byte_at = 0.0
        self.control = control_path(self.link)
        self._control_socket: socket.socket | None = None

    # the pty and its symlink

    def _open_pty(self) -> None:
        self.master, self.slave = open_linked_pty(self.link)

    def _close_pty(self) -> None:
        close_linked_pty(self.link, self.master, self.slave)
        self.master = self.slave = -1

    # wire

    def _wire_delay(self, count: int) -> None:
        if self.baud:
            time.sleep(count * 10 / self.baud)

    def _write(self, data: bytes) -> None:
        self._wire_delay(len(data))
        with contextlib.suppress(OSError):
            os.write(self.master, data)

    def _send_answer(self) -> None:
        if self.answer is None:
            return
        frame = self.answer
        with self.faults.lock:
            if self.faults.bad_lrc:
                self.faults.bad_lrc = False
                frame = frame[:-1] + bytes([frame[-1] ^ 0xFF])
        self._write(frame)
        self.answer_state = "sent"
        self.answer_sent_at = time.monotonic()

    def _on_frame(self, received: Received) -> None:
        with self.faults.lock:
            drop = self.faults.drop_ack
            self.faults.drop_ack = False
            slow = self.faults.slow
        if not drop:
            self._write(bytes([ACK]))
        self.answer = frame(self.execute(received.body))
        self.answer_state = "preparing"
        self.answer_ready_at = time.monotonic() + slow + self.device.answer_delay
        self.repeats = 0

    def execute(self, body: bytes) -> bytes:
        """Carry out one command, remembering the state before it for a power cut."""
        with self.faults.lock:  # a fault lands before or after the command, never inside it
            self.before_command = self.device.state.snapshot()
            return self.device.handle(body)

    def _on_byte(self, byte: int) -> None:
        if byte == ENQ:
            if self.answer is None:
                self._write(bytes([NAK]))
                return
            self._write(bytes([ACK]))
            if self.answer_state != "preparing":
                self._send_answer()
        elif byte == ACK and self.answer_state == "sent":
            self.answer = None
            self.answer_state = "none"
        elif byte == NAK and self.answer_state == "sent":
            self.repeats += 1
            if self.repeats <= MAX_REPEATS:
                self._send_answer()

    def _poll_timeout(self) -> float:
        if self.answer_state == "preparing":
            return max(0.0, min(0.05, self.answer_ready_at - time.monotonic()))
        return 0.05

    def _tick(self) -> None:
        now = time.monotonic()
        if self.answer_state == "preparing" and now >= self.answer_ready_at:
            self._send_answer()
        elif self.answer_state == "sent" and now - self.answer_sent_at > ANSWER_ACK_WAIT:
            self.answer_state = "held"  # not taken: kept for the next ENQ

    def _power_cycle(self) -> None:
        in_flight = self.answer_state == "preparing" and self.before_command is not None
        if in_flight and self.draw.random() < 0.5:  # the command had not reached the FN yet
            with self.faults.lock:  # a fault from the control socket lands before or after, not lost
                self.device.state = self.device.state.rolled_back_to(self.before_command)
                save_state(self.device.state_path, self.device.state)
        self.before_command = None
        self._close_pty()
        self.answer = None
        self.answer_state = "none"
        self.reader.reset()
        with self.faults.lock:  # a device that comes back from power-off is no longer slow
            self.faults.slow = 0.0
            self.faults.drop_ack = self.faults.bad_lrc = False
        time.sleep(POWER_OFF_SECONDS)
        self._open_pty()
        self.faults.power_cycle.clear()
        self.faults.power_back.set()

    # control socket

    def _serve_control(self) -> None:
        assert self._control_socket is not None
        while not self.stop.is_set():
            try:
                conn, _ = self._control_socket.accept()
            except OSError:
                return
            with conn:
                try:
                    line = conn.recv(256).decode(errors="replace").strip()
                    conn.sendall((self.apply_fault(line) + "\n").encode())
                except OSError:
                    continue

    def apply_fault(self, text: str) -> str:
        try:
            fault: Fault = parse_fault(text)
        except ValueError:
            return f"error unknown fault {text!r}"
        device = self.device
        with self.faults.lock:
            if fault.kind == "paper-out":
                device.set_paper(False)
            elif fault.kind == "cover-open":
                device.set_cover(True)
            elif fault.kind == "slow":
                self.faults.slow = fault.value
            elif fault.kind == "drop-ack":
                self.faults.drop_ack = True
            elif fault.kind == "bad-lrc":
                self.faults.bad_lrc = True
            elif fault.kind == "time":
                device.shift_clock(fault.value)
            elif fault.kind == "ofd-offline":
                device.set_ofd_online(False)
            elif fault.kind == "ofd-online":
                device.set_ofd_online(True)
            elif fault.kind == "ofd-lost":
                device.lose_ofd(fault.value)
            elif fault.kind == "fn-expires-in":
                device.expire_fn_in(fault.value)
            elif fault.kind == "fn-fill":
                device.fill_fn(fault.value)
            elif fault.kind == "mark-offline":  # the national system does not answer online checks
                device.set_mark_online(False)
            elif fault.kind == "mark-online":
                device.set_mark_online(True)
            elif fault.kind == "mark-slow":  # it answers after this many seconds
                device.set_mark_online(True, fault.value)
            elif fault.kind == "clear":
                device.set_paper(True)
                device.set_cover(False)
                self.faults.slow = 0.0
                self.faults.drop_ack = self.faults.bad_lrc = False
        if fault.kind == "power-cycle":
            self.faults.power_back.clear()
            self.faults.power_cycle.set()
            if not self.faults.power_back.wait(10):
                return "error the emulator did not come back"
        return "ok"

    # main loop

    def serve(self) -> None:
        self.link.parent.mkdir(parents=True, exist_ok=True)
        if self.control.exists() or self.control.is_symlink():
            self.control.unlink()
        self._control_socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._control_socket.bind(str(self.control))
        self._control_socket.listen(4)
        control_thread = threading.Thread(target=self._serve_control, name="kkt-control", daemon=True)
        control_thread.start()
        self._open_pty()
        print(f"ready {self.link}", flush=True)
        try:
            while not self.stop.is_set():
                if self.faults.power_cycle.is_set():
                    self._power_cycle()
                    continue
                self._tick()
                try:
                    readable, _, _ = select.select([self.master], [], [], self._poll_timeout())
                except InterruptedError:
                    continue
                if not readable:
                    continue
                try:
                    data = os.read(self.master, 512)
                except OSError:
                    time.sleep(0.05)
                    continue
                self._wire_delay(len(data))
                now = time.monotonic()
                if self.reader.in_frame and now - self.last_byte_at > INTER_BYTE_TIMEOUT:
                    self.reader.reset()  # the rest of that frame never came: forget it, as the device does
                self.last_byte_at = now
                for event in self.reader.feed(data):
                    if isinstance(event, Received):
                        self._on_frame(event)
                    elif isinstance(event, Damaged):
                        self._write(bytes([NAK]))
                    else:
                        self._on_byte(event)
        finally:
            self._close_pty()
            self._control_socket.close()
            if self.control.exists():
                self.control.unlink()
            sys.stdout.flush()
