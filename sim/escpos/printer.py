"""The virtual ESC/POS printer: a pty whose other end a driver opens like a serial printer.

Received bytes are decoded (sim.escpos.decoder) into numbered text files, one per receipt, in
the output directory; cuts, tear-offs and drawer pulses are logged to ``events.log`` there.
DLE EOT is answered from the current faults. Faults arrive on a unix socket at ``LINK.ctl``
(see sim.escpos.control): "offline" stops all answers and printing, "xoff" sends XOFF and
holds the line until "clear" sends XON.
"""

from __future__ import annotations

import os
import selectors
import socket
from pathlib import Path

from sim.control import control_path
from sim.escpos.decoder import Decoder
from sim.escpos.faults import KINDS, status_byte
from sim.pty_link import close_linked_pty, open_linked_pty

XON, XOFF = b"\x11", b"\x13"


class VirtualPrinter:
    def __init__(self, link: Path, out: Path):
        self.link = Path(link)
        self.out = Path(out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.faults: set[str] = set()
        self.decoder = Decoder()
        self.count = len(list(self.out.glob("receipt-*.txt")))
        self.master, self.slave = open_linked_pty(self.link)
        self.control_path = control_path(self.link)
        self.control_path.unlink(missing_ok=True)
        self.control = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.control.bind(str(self.control_path))
        self.control.listen(4)
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.master, selectors.EVENT_READ, self._on_data)
        self.selector.register(self.control, selectors.EVENT_READ, self._on_control_connect)
        self.running = True

    def serve(self) -> None:
        while self.running:
            for key, _mask in self.selector.select(timeout=0.5):
                key.data(key.fileobj)

    def close(self) -> None:
        self.running = False
        self.selector.close()
        self.control.close()
        self.control_path.unlink(missing_ok=True)
        close_linked_pty(self.link, self.master, self.slave)

    # -- the printer side ---------------------------------------------------------------------

    def _on_data(self, _fd) -> None:
        data = os.read(self.master, 4096)
        if "offline" in self.faults:
            return
        for event in self.decoder.feed(data):
            if event.kind == "status":
                os.write(self.master, bytes([status_byte(int(event.value), self.faults)]))
            elif event.kind == "receipt":
                self.count += 1
                self.out.mkdir(parents=True, exist_ok=True)
                path = self.out / f"receipt-{self.count:04d}.txt"
                partial = self.out / f".{path.name}.partial"
                partial.write_text(str(event.value), encoding="utf-8")
                partial.replace(path)  # readers never see half a receipt
            else:
                self._log(f"{event.kind} {event.value}" if event.value is not None else event.kind)

    def _log(self, line: str) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        with (self.out / "events.log").open("a", encoding="utf-8") as log:
            log.write(line + "\n")

    # -- the control socket -------------------------------------------------------------------

    def _on_control_connect(self, _sock) -> None:
        client, _ = self.control.accept()
        client.settimeout(2)
        with client:
            try:
                request = client.recv(256).decode("utf-8", "replace").split()
            except OSError:
                return
            client.sendall((self.command(request) + "\n").encode())

    def command(self, request: list[str]) -> str:
        if len(request) != 1 or request[0] not in KINDS:
            return "error: expected one of " + ", ".join(KINDS)
        kind = request[0]
        if kind == "clear":
            if "xoff" in self.faults:
                os.write(self.master, XON)
            self.faults.clear()
        else:
            if kind == "xoff" and "xoff" not in self.faults:
                os.write(self.master, XOFF)
            self.faults.add(kind)
        self._log(f"fault {kind}")
        return "ok"
