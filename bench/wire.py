"""The KKT emulator throttled to a baud rate, counting every byte that crosses its link.

``python -m bench.wire --link PATH --state PATH --baud N`` runs the emulator of ``kassa emulate
kkt --baud N``; its control socket also answers ``bytes`` with the count so far (both
directions: every byte the throttle delays is a byte on the wire), the time its sleeps overran
the wire time, and the time it took to react: from the moment the host's bytes had crossed the
wire (read, then delayed by their wire time) to the moment its reply started onto the wire
(framing, carrying out the command, its own loop). That is the device's own time, which the host
can only wait for; a byte it reads without replying (the host's last ACK) costs the host nothing
and is not counted. Its state is written without fsync (``save_state(fsync=False)``).
"""

from __future__ import annotations

import argparse
import functools
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def counting_server(link: Path, state: Path, baud: int):
    import sim.kkt.device
    from sim.kkt.server import KktServer
    from sim.kkt.state import save_state

    # a real register's FN write is the device's own time, and the row measures kassa, not this disk
    sim.kkt.device.save_state = functools.partial(save_state, fsync=False)

    class CountingServer(KktServer):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.wire_bytes = 0
            self.overslept = 0.0  # seconds the throttle's sleeps ran past the wire time
            self.reacting = 0.0  # seconds from the host's bytes across the wire to a reply starting out
            self.count_lock = threading.Lock()
            self._writing = False
            self._idle_since: float | None = None  # when the host's last bytes had crossed the wire

        def _write(self, data: bytes) -> None:
            self._writing = True
            try:
                super()._write(data)
            finally:
                self._writing = False

        def _wire_delay(self, count: int) -> None:
            started = time.monotonic()
            super()._wire_delay(count)
            ended = time.monotonic()
            over = max(0.0, ended - started - count * 10 / self.baud)
            with self.count_lock:
                self.wire_bytes += count
                self.overslept += over
                if self._writing and self._idle_since is not None:
                    self.reacting += max(0.0, started - self._idle_since)
                # the host waits from here: for the rest of this reply's answer, or for a reply at all
                self._idle_since = ended

        def apply_fault(self, text: str) -> str:
            if text.strip() == "bytes":
                with self.count_lock:
                    return f"{self.wire_bytes} {self.overslept:.6f} {self.reacting:.6f}"
            return super().apply_fault(text)

    return CountingServer(link, state, baud=baud, seed=0)


def wire_counts(link: Path) -> tuple[int, float, float]:
    """Bytes on the link so far, the seconds the throttle overslept them (a sleep wakes late on a
    busy machine: that lateness is neither the wire's nor kassa's), and the seconds the emulator
    took to react to the host (the device's own time)."""
    from sim.control import send_fault

    count, overslept, reacting = send_fault(link, "bytes").split()
    return int(count), float(overslept), float(reacting)


def spawn(base: Path, baud: int):
    """The counting emulator in a subprocess; returns a ``tests.fixtures.kkt.Emulator``."""
    from tests.fixtures.kkt import Emulator, _env

    link, state = base / "kkt", base / "kkt-state.json"
    args = [
        sys.executable,
        "-m",
        "bench.wire",
        "--link",
        str(link),
        "--state",
        str(state),
        "--baud",
        str(baud),
    ]
    log = base / "kkt-emulator.log"
    with log.open("a") as errors:
        process = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=errors, text=True, cwd=REPO, env=_env()
        )
    ready, _, _ = select.select([process.stdout], [], [], 60)
    line = process.stdout.readline() if ready else ""
    if not line.startswith("ready "):
        process.kill()
        process.wait(5)
        raise RuntimeError(f"the counting emulator did not start: {line!r} {log.read_text().strip()}")
    return Emulator(link=link, state=state, process=process, baud=baud)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.wire")
    parser.add_argument("--link", type=Path, required=True)
    parser.add_argument("--state", type=Path, required=True)
    parser.add_argument("--baud", type=int, required=True)
    args = parser.parse_args()
    server = counting_server(args.link.absolute(), args.state.absolute(), args.baud)

    def stop(_signum, _frame) -> None:
        server.stop.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.serve()


if __name__ == "__main__":
    main()
