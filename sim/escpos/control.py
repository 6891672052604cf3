"""Faults for a running virtual printer, sent over its control socket (``LINK.ctl``)."""

from __future__ import annotations

import socket
from pathlib import Path

from sim.escpos.faults import KINDS


def send_fault(link: str | Path, kind: str, timeout: float = 5.0) -> None:
    """Set a fault (paper-end, paper-near-end, cover-open, cutter-error, offline, xoff) or clear them."""
    if kind not in KINDS:
        raise ValueError(f"unknown fault {kind!r}; expected one of {', '.join(KINDS)}")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(f"{link}.ctl")
        sock.sendall(f"fault {kind}\n".encode())
        reply = sock.recv(512).decode("utf-8", "replace").strip()
    if reply != "ok":
        raise RuntimeError(f"virtual printer at {link}: {reply or 'no reply'}")
