"""A receipt printer: jobs of whole commands, the code page kept, status read honestly.

Every job starts with ESC @ followed by our own ESC t (python-escpos 3.1 forgets the code page
after ESC @ and picks slots by sorting them as strings, so its text encoder is not used: text
is encoded here with the profile's codec and slot). Status queries go out only between whole
commands (one lock for every operation) and wait only as long as one reply byte needs.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import serial
from escpos import constants
from escpos.image import EscposImage

from drivers.escpos.errors import PrinterBlocked, PrinterIOError, PrinterNoDrawer
from drivers.escpos.layout import PrintedReceipt, QrCode, ReceiptLayout
from drivers.escpos.link import Link, reply_timeout
from drivers.escpos.status import BLOCKED, REQUESTS, UNKNOWN, PrinterStatus, decode
from drivers.escpos.text import strip_controls
from drivers.profile import Profile

ESC_AT = b"\x1b@"
ALIGN_LEFT = b"\x1ba\x00"
ALIGN_CENTER = b"\x1ba\x01"
FEED_TO_TEAR = 4  # lines between the last printed line and the tear bar or cutter
QR_MIN_MODULE = 3


def _identity(message: str) -> str:
    return message


class ReceiptPrinter:
    """One ESC/POS printer over one link; every public method is one whole job."""

    def __init__(self, link: Link, profile: Profile, translate: Callable[[str], str] = _identity):
        self.link = link
        self.profile = profile
        self.translate = translate
        self.substituted: set[str] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._reply_timeout = reply_timeout(profile)

    @property
    def port(self) -> str:
        return self.link.port

    def layout(self, font: str = "a") -> ReceiptLayout:
        return ReceiptLayout(self.profile, font, self.translate)

    # -- jobs --------------------------------------------------------------------------------

    def print_lines(self, lines: list[str]) -> None:
        """Plain text lines (wrapped to the paper width), no cut."""
        layout = self.layout()
        text = layout.lines(lines)
        with self._job():
            self._write_lines(text)
        self.substituted |= layout.substituted

    def print_receipt(self, receipt: PrintedReceipt, *, cut: bool = True) -> None:
        """The whole receipt, its QR code and (unless ``cut=False``) the cut, as one job."""
        layout = self.layout()
        blocks = layout.render(receipt)
        with self._job():
            text: list[str] = []
            for block in blocks:
                if isinstance(block, QrCode):
                    self._write_lines(text)
                    text = []
                    self._write_qr(block.data)
                else:
                    text.append(block)
            self._write_lines(text)
            if cut:
                self._write_cut()
        self.substituted |= layout.substituted

    def cut(self) -> None:
        """Feed past the cutter and cut (partial when the profile says so); tear-off printers only feed."""
        with self._io():
            self._write_cut()

    def pulse_drawer(self) -> None:
        """Open the cash drawer (pulse on connector pin 2)."""
        if not self.profile.features.drawer:
            raise PrinterNoDrawer(profile=self.profile.name)
        with self._io():
            self.link.escpos.cashdraw(2)

    def status(self) -> PrinterStatus:
        """DLE EOT 1-4 decoded; unknown when the printer does not answer (never "paper OK")."""
        if not self.profile.status.dle_eot:
            return UNKNOWN
        replies: dict[int, int] = {}
        try:
            with self._io():
                self.link.discard_input()
                for n in REQUESTS:
                    reply = self.link.query(constants.DLE + constants.EOT + bytes([n]), self._reply_timeout)
                    if reply is None:
                        return UNKNOWN
                    replies[n] = reply
        except PrinterBlocked:
            return BLOCKED
        status = decode(replies)
        if not self.profile.status.near_end_sensor:
            status = dataclasses.replace(status, paper_near_end=False)
        return status

    def close(self) -> None:
        """Release the port; closing twice is harmless."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self.link.close()

    # -- bytes -------------------------------------------------------------------------------

    @contextmanager
    def _io(self) -> Iterator[None]:
        """One operation at a time; transport failures become operator errors."""
        with self._lock:
            try:
                yield
            except serial.SerialTimeoutException:
                self.link.discard_output()
                raise PrinterBlocked(port=self.port, seconds=self.profile.serial.write_timeout) from None
            except TimeoutError:
                raise PrinterBlocked(port=self.port, seconds=self.profile.serial.write_timeout) from None
            except (serial.SerialException, OSError) as exc:
                reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
                if "timeout" in type(exc).__name__.lower():
                    raise PrinterBlocked(port=self.port, seconds=self.profile.serial.write_timeout) from None
                raise PrinterIOError(port=self.port, reason=reason) from None

    @contextmanager
    def _job(self) -> Iterator[None]:
        with self._io():
            self._raw(ESC_AT + constants.CODEPAGE_CHANGE + bytes([self.profile.encoding.codepage_slot]))
            yield

    def _raw(self, data: bytes) -> None:
        self.link.escpos._raw(data)

    def _write_lines(self, lines: list[str]) -> None:
        if lines:
            codec = self.profile.encoding.codec
            self._raw(b"".join(line.encode(codec) + b"\n" for line in lines))

    def _write_cut(self) -> None:
        self.link.escpos.print_and_feed(FEED_TO_TEAR)
        if self.profile.features.cut:
            partial = self.profile.features.partial_cut
            self._raw(constants.PAPER_PART_CUT if partial else constants.PAPER_FULL_CUT)

    def _write_qr(self, data: str) -> None:
        data = strip_controls(data)
        if not data:
            return
        module = max(QR_MIN_MODULE, min(8, self.profile.media.dots // 96))
        self._raw(ALIGN_CENTER)
        if self.profile.features.native_qr:
            self.link.escpos.qr(data, native=True, size=module, ec=constants.QR_ECLEVEL_M)
        else:
            self._raw(qr_raster(data, self.profile.media.dots))
        self._raw(ALIGN_LEFT)


def qr_raster(data: str, dots: int) -> bytes:
    """GS v 0 raster of a QR code no wider than half the paper, for printers without GS ( k."""
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=1, box_size=1)
    code.add_data(data)
    code.make(fit=True)
    modules = code.modules_count + 2
    code.box_size = max(QR_MIN_MODULE, min(8, dots // 2 // modules))
    image = EscposImage(code.make_image()._img.convert("RGB"))
    return (
        constants.GS
        + b"v0\x00"
        + image.width_bytes.to_bytes(2, "little")
        + image.height.to_bytes(2, "little")
        + image.to_raster_format()
    )
