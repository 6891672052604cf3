"""Faults a technician (or a test) injects into a running emulator through its control socket.

The socket sits next to the link (``PATH.ctl``), or under /tmp when that path would be too
long for a unix socket; ``control_path`` is the one rule both sides use.
"""

from __future__ import annotations

import hashlib
import socket
from dataclasses import dataclass
from pathlib import Path

KINDS = ("paper-out", "cover-open", "power-cycle", "slow=SECONDS", "clear")
EXTRA_KINDS = ("drop-ack", "bad-lrc", "time+HOURS", "ofd-offline", "ofd-online")


def control_path(link: Path) -> Path:
    candidate = Path(str(link) + ".ctl")
    if len(str(candidate)) < 100:
        return candidate
    digest = hashlib.sha1(str(Path(link).absolute()).encode()).hexdigest()[:16]
    return Path("/tmp") / f"kassa-kkt-{digest}.ctl"


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


def send_fault(link: Path, kind: str, timeout: float = 10.0) -> str:
    """Deliver one fault to the emulator serving ``link``; returns its one-line answer."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(timeout)
        conn.connect(str(control_path(link)))
        conn.sendall(kind.encode() + b"\n")
        answer = b""
        while not answer.endswith(b"\n"):
            chunk = conn.recv(256)
            if not chunk:
                break
            answer += chunk
    return answer.decode().strip()
