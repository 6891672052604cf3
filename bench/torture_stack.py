"""The torture's world: KKT emulator, receipt printer, back office behind a fault proxy, the daemon.

Everything runs for real on this machine: the emulator on a pty, the back office as a
``kassa backoffice serve`` subprocess on loopback, ``sim.faultproxy`` in front of it (faults off
until a run turns them on), and ``kassa run`` with its own state dir, paired through the proxy.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from agent.journal.crash import ENV
from agent.state_lock import LOCK_NAME
from bench.torture_disk import SmallDisk
from sim.faultproxy import FaultProxy
from tests.fixtures.backoffice import BackOffice, backoffice_server
from tests.fixtures.daemon import RunningDaemon
from tests.fixtures.escpos import VirtualPrinter, escpos_emulator
from tests.fixtures.kkt import Emulator, kkt_config, kkt_emulator
from tests.journal.e2e import wait_ready

TAIL_LINES = 8  # of the daemon's log, when it exits by itself
BACKOFFICE_TIMEOUT = 3.0  # seconds; the proxy's stall is longer, so a stalled request times out
STALL = BACKOFFICE_TIMEOUT + 1.0


@dataclass
class Stack:
    base: Path
    kkt: Emulator
    office: BackOffice
    proxy: FaultProxy
    daemon: RunningDaemon
    printer: VirtualPrinter
    disk: SmallDisk | None = None
    notes: list[str] = field(default_factory=list)
    # Held while the harness starts, stops or kills the daemon, and while a second daemon is
    # tried: that check means something only while the first is alive and nobody kills it.
    lifecycle: threading.RLock = field(default_factory=threading.RLock)
    log_mark: int = 0  # where the current daemon's part of the log begins

    def start_daemon(self, hook: str | None = None, timeout: float = 120) -> None:
        """(Re)start ``kassa run``; ``hook`` arms one of the journal's crash points."""
        if self.alive():
            self.daemon.stop()  # systemctl restart: a clean stop first
        with contextlib.suppress(FileNotFoundError):
            self.log_mark = self.daemon.log_path.stat().st_size
        for marker in self.daemon.state_dir.glob("crashed-at-*"):
            marker.unlink()
        if hook:
            self.daemon.env[ENV] = hook
        else:
            self.daemon.env.pop(ENV, None)
        self.daemon.start(wait=False)
        self.daemon.wait_ready(timeout)

    def settle(self, timeout: float = 120) -> None:
        """Until the register is ready and nothing is pending in the journal."""
        wait_ready(self.daemon, timeout=timeout)

    def alive(self) -> bool:
        return self.daemon.process is not None and self.daemon.process.poll() is None

    def tail(self, lines: int = TAIL_LINES) -> str:
        """The last lines the current daemon wrote to its log (stdout and stderr)."""
        try:
            with self.daemon.log_path.open("rb") as log:
                log.seek(self.log_mark)
                text = log.read().decode("utf-8", errors="replace")
        except FileNotFoundError:
            return ""
        kept = [line for line in text.splitlines() if line.strip()]
        return "\n".join(kept[-lines:])

    def lock_holder(self) -> str:
        """The pid the state-dir lock file names (its last holder, alive or not)."""
        try:
            return (self.daemon.state_dir / LOCK_NAME).read_text(errors="replace").strip()
        except FileNotFoundError:
            return ""


def config_text(kkt: Emulator, printer: VirtualPrinter) -> str:
    return (
        kkt_config(kkt)
        + f'\n[receipt_printer]\nport = "{printer.link}"\nprofile = "escpos-emulator"\n'
        + f"\n[backoffice]\ntimeout = {BACKOFFICE_TIMEOUT}\n"
    )


@contextlib.contextmanager
def stack(seed: int, disk: bool = False, keep_on_error: bool = True) -> Iterator[Stack]:
    """A paired daemon with a register and a back office behind a (quiet) fault proxy."""
    scratch = Path(tempfile.mkdtemp(prefix="kassa-torture-"))
    small = None
    try:
        with (
            kkt_emulator(scratch, seed=seed) as kkt,
            backoffice_server(scratch, products=3, employees=2) as office,
            escpos_emulator(scratch) as printer,
        ):
            proxy = FaultProxy(office.url, fail=0.0, seed=seed, delay=STALL).start()
            daemon = RunningDaemon(scratch / "daemon", config_text(kkt, printer), None)
            if disk:
                small = SmallDisk(daemon.state_dir)
                small.mount()
            world = Stack(scratch, kkt, office, proxy, daemon, printer, small)
            try:
                world.start_daemon()
                client = daemon.client()
                client.put(
                    "/v1/sync/settings", json={"products": "never", "employees": "never", "orders": "never"}
                )
                client.post("/v1/pairing", json={"code": office.code(), "backoffice_url": proxy.url})
                world.settle()
                yield world
            except BaseException:
                if keep_on_error:
                    kept = Path(tempfile.mkdtemp(prefix="kassa-torture-failed-"))
                    skip = shutil.ignore_patterns("kkt", "*.sock", "*.ctl", "filler*")
                    shutil.copytree(scratch, kept, dirs_exist_ok=True, ignore=skip, symlinks=True)
                    print(f"torture stopped; logs and state kept in {kept}", flush=True)
                raise
            finally:
                daemon.cleanup()
                proxy.stop()
                if small is not None:
                    small.unmount()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
