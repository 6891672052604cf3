"""The virtual printer's faults and the DLE EOT bytes a real Epson printer answers with them."""

from __future__ import annotations

KINDS = ("paper-end", "paper-near-end", "cover-open", "cutter-error", "offline", "xoff", "clear")
BASE = 0x12  # bits 1 and 4 are always set in a status byte


def status_byte(n: int, faults: set[str]) -> int:
    paper_end = "paper-end" in faults
    cover_open = "cover-open" in faults
    cutter = "cutter-error" in faults
    offline = paper_end or cover_open or cutter
    if n == 1:
        return BASE | (0x08 if offline else 0)
    if n == 2:
        return BASE | (0x04 if cover_open else 0) | (0x20 if paper_end else 0) | (0x40 if cutter else 0)
    if n == 3:
        return BASE | (0x08 if cutter else 0)
    if n == 4:
        near_end = paper_end or "paper-near-end" in faults
        return BASE | (0x0C if near_end else 0) | (0x60 if paper_end else 0)
    return BASE
