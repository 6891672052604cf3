"""Faults a technician (or a test) injects into a running emulator through its control socket.

The socket and its one-line protocol are ``sim.control``'s, shared with the virtual printer.
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS = (
    "paper-out",
    "cover-open",
    "power-cycle",
    "slow=SECONDS",
    "clear",
    "ofd-lost=DAYS",
    "fn-expires-in=DAYS",
    "fn-fill=PERCENT",
    "mark-offline",
    "mark-online",
    "mark-slow=SECONDS",
)


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
        "mark-offline",
        "mark-online",
    ):
        return Fault(text)
    prefixes = (
        ("slow=", "slow"),
        ("time+", "time"),
        ("ofd-lost=", "ofd-lost"),
        ("fn-expires-in=", "fn-expires-in"),
        ("fn-fill=", "fn-fill"),
        ("mark-slow=", "mark-slow"),
    )
    for prefix, kind in prefixes:
        if text.startswith(prefix):
            try:
                value = float(text[len(prefix) :])
            except ValueError:
                break
            if value >= 0:
                return Fault(kind, value)
    raise ValueError(text)
