"""Decodes an ESC/POS byte stream into the text a printer would put on paper.

Honours ESC @ (reset: the code page goes back to slot 0, CP437, as on a real printer), ESC t
(code page by Epson slot), LF, ESC d (feed), GS V (cut), GS ( k (QR code, shown as
``[QR: data]``), GS v 0 (raster image, shown as ``[image WxH]``) and DLE EOT (status request).
Style commands are consumed without a trace; anything unknown is shown as ``[0xNN]`` or
``[ESC x]`` so a stray control byte is visible in the decoded receipt. A receipt ends at a cut
or, on printers without a cutter, at the feed of three or more lines that brings it to the
tear bar (a cut right after that feed does not start an empty receipt).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from escpos.capabilities import CAPABILITIES

ESC, GS, DLE, FS, LF, CR = 0x1B, 0x1D, 0x10, 0x1C, 0x0A, 0x0D
TEAR_FEED = 3
# ESC commands with one argument byte, consumed without effect on the text
ESC_ONE_ARG = set(b"!EGMaRrV{-3 U")
GS_ONE_ARG = set(b"!BHfhwbra")


def epson_code_pages() -> dict[int, str]:
    """Slot -> Python codec, from python-escpos's database (its "default", Epson's numbering)."""
    pages = {}
    for slot, name in CAPABILITIES["profiles"]["default"]["codePages"].items():
        codec = CAPABILITIES["encodings"].get(name, {}).get("python_encode")
        if codec:
            pages[int(slot)] = codec
    return pages


@dataclass
class Event:
    kind: str  # "status" (n), "receipt" (text), "cut" (full|partial), "drawer" (pin)
    value: object = None


@dataclass
class Decoder:
    code_pages: dict[int, str] = field(default_factory=epson_code_pages)
    buffer: bytearray = field(default_factory=bytearray)
    lines: list[str] = field(default_factory=list)
    current: str = ""
    slot: int = 0
    qr_data: bytes = b""
    torn: bool = False

    @property
    def codec(self) -> str:
        return self.code_pages.get(self.slot, "cp437")

    def feed(self, data: bytes) -> list[Event]:
        """Decode what arrived; commands split across reads wait for their remaining bytes."""
        self.buffer += data
        events: list[Event] = []
        while self.buffer:
            used = self._step(events)
            if used == 0:
                break
            del self.buffer[:used]
        return events

    # -- text ---------------------------------------------------------------------------------

    def _text(self, text: str) -> None:
        self.current += text
        self.torn = False

    def _newline(self) -> None:
        self.lines.append(self.current)
        self.current = ""
        self.torn = False

    def _block(self, text: str) -> None:
        if self.current:
            self._newline()
        self.lines.append(text)
        self.torn = False

    def _end_receipt(self, events: list[Event]) -> None:
        if self.current:
            self._newline()
        while self.lines and not self.lines[-1].strip():
            self.lines.pop()
        events.append(Event("receipt", "\n".join(self.lines) + "\n" if self.lines else ""))
        self.lines = []

    # -- commands -----------------------------------------------------------------------------

    def _step(self, events: list[Event]) -> int:
        buf = self.buffer
        first = buf[0]
        if first >= 0x20:
            end = 1
            while end < len(buf) and buf[end] >= 0x20:
                end += 1
            self._text(bytes(buf[:end]).decode(self.codec, errors="replace"))
            return end
        if first == LF:
            self._newline()
            return 1
        if first == CR:
            return 1
        if first == DLE:
            return self._dle(events)
        if first == ESC:
            return self._esc(events)
        if first == GS:
            return self._gs(events)
        self._text(f"[0x{first:02X}]")
        return 1

    def _dle(self, events: list[Event]) -> int:
        if len(self.buffer) < 3:
            return 0
        if self.buffer[1] == 0x04:
            events.append(Event("status", self.buffer[2]))
            return 3
        self._text("[DLE]")
        return 1

    def _esc(self, events: list[Event]) -> int:
        buf = self.buffer
        if len(buf) < 2:
            return 0
        command = buf[1]
        if command == ord("@"):
            self.slot = 0
            return 2
        if command in (ord("2"),):
            return 2
        if command == ord("p"):
            if len(buf) < 5:
                return 0
            events.append(Event("drawer", buf[2] & 1))
            return 5
        if command in (ord("t"), ord("d"), ord("J")) or command in ESC_ONE_ARG:
            if len(buf) < 3:
                return 0
            if command == ord("t"):
                self.slot = buf[2]
            elif command == ord("d"):
                self._feed(buf[2], events)
            return 3
        self._text(f"[ESC {chr(command) if 0x20 < command < 0x7F else hex(command)}]")
        return 2

    def _feed(self, count: int, events: list[Event]) -> None:
        """ESC d n prints the line being built and feeds; n >= 3 after text is a tear-off."""
        tear = count >= TEAR_FEED
        if self.current:
            self._newline()
            count -= 1
        if tear and any(line.strip() for line in self.lines):
            self._end_receipt(events)
            self.torn = True
        else:
            self.lines.extend([""] * max(count, 0))

    def _gs(self, events: list[Event]) -> int:
        buf = self.buffer
        if len(buf) < 2:
            return 0
        command = buf[1]
        if command == ord("V"):
            if len(buf) < 3:
                return 0
            mode = buf[2]
            size = 4 if mode in (65, 66) else 3
            if len(buf) < size:
                return 0
            partial = mode in (1, 49, 66)
            if not self.torn:
                self._end_receipt(events)
            events.append(Event("cut", "partial" if partial else "full"))
            self.torn = False
            return size
        if command == ord("(") and len(buf) >= 5:
            length = buf[3] | buf[4] << 8
            if len(buf) < 5 + length:
                return 0
            self._function(buf[2], bytes(buf[5 : 5 + length]))
            return 5 + length
        if command == ord("("):
            return 0
        if command == ord("v"):
            if len(buf) < 8:
                return 0
            width_bytes = buf[4] | buf[5] << 8
            height = buf[6] | buf[7] << 8
            size = 8 + width_bytes * height
            if len(buf) < size:
                return 0
            self._block(f"[image {width_bytes * 8}x{height}]")
            return size
        if command in GS_ONE_ARG:
            return 3 if len(buf) >= 3 else 0
        self._text(f"[GS {chr(command) if 0x20 < command < 0x7F else hex(command)}]")
        return 2

    def _function(self, kind: int, body: bytes) -> None:
        """GS ( k: cn fn [m] data. QR (cn 49): fn 80 stores the data, fn 81 prints it."""
        if kind != ord("k") or len(body) < 2 or body[0] != 49:
            return
        function = body[1]
        if function == 80:
            self.qr_data = body[3:]
        elif function == 81:
            self._block(f"[QR: {self.qr_data.decode('utf-8', errors='replace')}]")
