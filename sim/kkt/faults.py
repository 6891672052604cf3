"""Faults a technician (or a test) injects into a running emulator through its control socket.

The socket and its one-line protocol are ``sim.control``'s, shared with the virtual printer.
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("paper-out", "cover-open", "power-cycle", "slow=SECONDS", "clear")


@dataclass(frozen=True)
class Fault:
    kind: str
    value: float = 0.0


def parse_fault(text: str) -> Fault:
    text = text.strip()
    if text in (
        "paper-out",
        "cover-open",
        "power-cycle",
        "clear",
        "drop-ack",
        "bad-lrc",
        "ofd-offline",
        "ofd-online",
    ):
        return Fault(text)
    for prefix, kind in (("slow=", "slow"), ("time+", "time")):
        if text.startswith(prefix):
            try:
                value = float(text[len(prefix) :])
            except ValueError:
                break
            if value >= 0:
                return Fault(kind, value)
    raise ValueError(text)
