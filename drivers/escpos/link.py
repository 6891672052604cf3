"""The connection to a printer: python-escpos 3.1 back ends, with its serial back end replaced.

python-escpos builds the commands; the bytes go over one of these links. Its own Serial class
cannot be used as is: it opens ``serial.Serial`` (no pyserial URLs), never passes ``rtscts``,
sets no write timeout (a printer holding XOFF hangs the caller for ever) and reads 16 bytes
with the full timeout. So serial ports are opened the drivers' own way (``drivers.serial_port``);
USB, network and file printers use python-escpos's classes. Port syntax: a device path or pyserial URL
(``socket://``, ``rfc2217://``, ``loop://``), ``usb:VID:PID`` (hex), ``tcp://host:port``, and
``/dev/usb/lpN``, ``/dev/lpN`` or ``file:PATH`` for a printer device file (no status channel).
"""

from __future__ import annotations

import re
import select
import socket
import time
from typing import Protocol

import serial
from escpos.escpos import Escpos
from escpos.exceptions import DeviceNotFoundError

from drivers.escpos.errors import PrinterAddressError, PrinterBusy, PrinterNotFound
from drivers.profile import Profile
from drivers.serial_port import PortError, open_serial

BITS_PER_BYTE = 10  # start bit, 8 data bits, stop bit
DRAIN_POLL = 0.02
_USB = re.compile(r"^usb:([0-9a-fA-F]{1,4}):([0-9a-fA-F]{1,4})$")
_TCP = re.compile(r"^tcp://([^:/]+):([0-9]+)/?$")
MAX_TCP_PORT = 65535
_DEVICE_FILE = re.compile(r"^(/dev/usb/lp[0-9]+|/dev/lp[0-9]+)$")


class Link(Protocol):
    port: str
    escpos: Escpos

    def query(self, request: bytes, timeout: float) -> int | None:
        """Send a real-time request and read its one-byte reply; None when none came in time."""
        ...

    def discard_input(self) -> None: ...

    def discard_output(self) -> None: ...

    def close(self) -> None: ...


class _PortCommands(Escpos):
    """python-escpos's command builder writing to a pyserial port we opened ourselves."""

    def __init__(self, port: serial.SerialBase, db_profile: str):
        super().__init__(profile=db_profile)
        self._device = port

    def _raw(self, msg: bytes) -> None:
        self._device.write(msg)

    def _read(self) -> bytes:
        return self._device.read(1)

    def close(self) -> None:
        """Closed by the link, without draining: a held line must not block closing."""


class SerialLink:
    """A serial port (or pyserial URL) with the profile's flow control and write timeout applied."""

    def __init__(self, port: str, profile: Profile):
        self.port = port
        settings = profile.serial
        try:
            self.serial = open_serial(
                port,
                baud=settings.baud,
                timeout=reply_timeout(profile),
                write_timeout=settings.write_timeout,
                flow=settings.flow,
            )
        except PortError as exc:
            if exc.busy:
                raise PrinterBusy(port=port) from None
            raise PrinterNotFound(port=port, reason=exc.reason) from None
        self.escpos = _PortCommands(self.serial, profile.escpos_db_profile)

    def query(self, request: bytes, timeout: float) -> int | None:
        """A request that cannot go out within the reply time means the line is held."""
        if self.serial.timeout != timeout:
            self.serial.timeout = timeout
        write_timeout = self.serial.write_timeout
        self.serial.write_timeout = timeout
        try:
            self.serial.write(request)
        finally:
            self.serial.write_timeout = write_timeout
        data = self.serial.read(1)
        return data[0] if data else None

    def discard_input(self) -> None:
        """Read away stale bytes. Not tcflush(TCIFLUSH): that also drops an XON the line discipline
        has not processed yet, and the line then stays stopped for good."""
        while waiting := self.serial.in_waiting:
            self.serial.read(waiting)

    def discard_output(self) -> None:
        self.serial.reset_output_buffer()

    def close(self) -> None:
        """Let queued bytes go out for up to the write timeout, then drop what a held line keeps."""
        deadline = time.monotonic() + (self.serial.write_timeout or 0)
        try:
            while _queued(self.serial) and time.monotonic() < deadline:
                time.sleep(DRAIN_POLL)
            if _queued(self.serial):
                self.serial.reset_output_buffer()
        except (serial.SerialException, OSError):
            pass
        self.serial.close()


class NetworkLink:
    """A printer on TCP port 9100 (python-escpos Network)."""

    def __init__(self, port: str, host: str, tcp_port: int, profile: Profile):
        from escpos.printer import Network

        self.port = port
        self.escpos = Network(
            host, tcp_port, timeout=profile.serial.write_timeout, profile=profile.escpos_db_profile
        )
        self.write_timeout = profile.serial.write_timeout
        _open(self.escpos, port)

    def query(self, request: bytes, timeout: float) -> int | None:
        self.escpos._raw(request)
        sock: socket.socket = self.escpos.device
        sock.settimeout(timeout)
        try:
            data = sock.recv(1)
        except TimeoutError:
            data = b""
        finally:
            sock.settimeout(self.write_timeout)
        return data[0] if data else None

    def discard_input(self) -> None:
        sock: socket.socket = self.escpos.device
        while select.select([sock], [], [], 0)[0]:
            if not sock.recv(4096):
                break

    def discard_output(self) -> None:
        """Nothing to discard: a socket's send buffer cannot be emptied."""

    def close(self) -> None:
        self.escpos.close()


class UsbLink:
    """A USB printer by vendor and product id (python-escpos Usb, needs pyusb)."""

    def __init__(self, port: str, vendor: int, product: int, profile: Profile):
        from escpos.printer import Usb

        self.port = port
        if not Usb.is_usable():
            raise PrinterNotFound(port=port, reason="USB printing needs the pyusb package")
        self.escpos = Usb(
            vendor,
            product,
            timeout=int(profile.serial.write_timeout * 1000),
            profile=profile.escpos_db_profile,
        )
        _open(self.escpos, port)

    def query(self, request: bytes, timeout: float) -> int | None:
        self.escpos._raw(request)
        return self._read_byte(timeout)

    def _read_byte(self, timeout: float) -> int | None:
        try:
            data = self.escpos.device.read(self.escpos.in_ep, 1, int(timeout * 1000) or 1)
        except OSError:
            return None
        return data[0] if len(data) else None

    def discard_input(self) -> None:
        while self._read_byte(0.001) is not None:
            pass

    def discard_output(self) -> None:
        """USB bulk transfers are not buffered on our side."""

    def close(self) -> None:
        self.escpos.close()


class FileLink:
    """A printer device file such as /dev/usb/lp0 (python-escpos File): write only, status unknown."""

    def __init__(self, port: str, path: str, profile: Profile):
        from escpos.printer import File

        self.port = port
        self.escpos = File(path, profile=profile.escpos_db_profile)
        _open(self.escpos, port)

    def query(self, request: bytes, timeout: float) -> int | None:
        """A device file has no reply channel: nothing is sent, the answer is unknown."""
        return None

    def discard_input(self) -> None:
        """No reply channel."""

    def discard_output(self) -> None:
        """Written straight through."""

    def close(self) -> None:
        self.escpos.close()


def _queued(port: serial.SerialBase) -> int:
    """Bytes still waiting to go out; URL ports (socket://) cannot tell and count as none."""
    return getattr(port, "out_waiting", 0)


def reply_timeout(profile: Profile) -> float:
    """How long one status byte may take: its time on the wire plus the profile's margin."""
    return BITS_PER_BYTE / profile.serial.baud + profile.status.reply_margin


def _reason(exc: BaseException) -> str:
    return (getattr(exc, "strerror", None) or str(exc) or type(exc).__name__).strip().splitlines()[-1]


def _open(printer: Escpos, port: str) -> None:
    try:
        printer.open()
    except (DeviceNotFoundError, OSError) as exc:
        raise PrinterNotFound(port=port, reason=_reason(exc)) from None


def open_link(port: str, profile: Profile) -> Link:
    if match := _USB.match(port):
        return UsbLink(port, int(match[1], 16), int(match[2], 16), profile)
    if match := _TCP.match(port):
        # a port past 65535 raised OverflowError out of the open (not a "not found"), and
        # getaddrinfo would take it modulo 2**32: only a real TCP port is dialled
        if not 1 <= int(match[2]) <= MAX_TCP_PORT:
            raise PrinterAddressError(port=port)
        return NetworkLink(port, match[1], int(match[2]), profile)
    if port.startswith("file:"):
        return FileLink(port, port.removeprefix("file:"), profile)
    if _DEVICE_FILE.match(port):
        return FileLink(port, port, profile)
    return SerialLink(port, profile)
