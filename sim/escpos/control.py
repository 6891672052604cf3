"""Faults for a running virtual printer, sent over its control socket (see ``sim.control``)."""

from __future__ import annotations

from pathlib import Path

from sim.control import send_fault as send_line
from sim.escpos.faults import KINDS


def send_fault(link: str | Path, kind: str, timeout: float = 5.0) -> None:
    """Set a fault (paper-end, paper-near-end, cover-open, cutter-error, offline, xoff) or clear them."""
    if kind not in KINDS:
        raise ValueError(f"unknown fault {kind!r}; expected one of {', '.join(KINDS)}")
    reply = send_line(link, kind, timeout)
    if reply != "ok":
        raise RuntimeError(f"virtual printer at {link}: {reply or 'no reply'}")
