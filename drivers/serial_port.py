"""Opening a serial line: the one way every driver does it.

A device path is opened exclusively: a second program on the same line would interleave its bytes
with ours. A pyserial URL (``socket://``, ``rfc2217://``, ``loop://``) is opened by pyserial's handler
for it. Always 8 data bits, no parity, one stop bit, no DSR/DTR handshake; flow control as the
device's profile says.
"""

from __future__ import annotations

from typing import Literal

import serial

Flow = Literal["none", "xonxoff", "rtscts"]


class PortError(Exception):
    """The port cannot be opened; ``reason`` is what the OS said, ``busy`` that another program has it."""

    def __init__(self, port: str, exc: BaseException):
        text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        lines = text.strip().splitlines()
        self.port = port
        self.reason = lines[-1] if lines else type(exc).__name__
        self.busy = "lock" in str(exc).lower()
        super().__init__(f"{port}: {self.reason}")


def open_serial(
    port: str, *, baud: int, timeout: float | None, write_timeout: float | None, flow: Flow = "none"
) -> serial.SerialBase:
    """The open port; ``PortError`` when it cannot be opened."""
    try:
        return serial.serial_for_url(
            port,
            baudrate=baud,
            bytesize=serial.EIGHTBITS,
            parity=serial.PARITY_NONE,
            stopbits=serial.STOPBITS_ONE,
            timeout=timeout,
            write_timeout=write_timeout,
            xonxoff=flow == "xonxoff",
            rtscts=flow == "rtscts",
            dsrdtr=False,
            exclusive=True,
        )
    except (serial.SerialException, OSError, ValueError, OverflowError) as exc:
        raise PortError(port, exc) from None
