"""The faults: kills of the daemon (aimed at the journal's crash points or at random), power cycles
and paper/cover/cable faults of the register, a full disk. Network chaos is the proxy's ``fail``.

``kill_loop`` runs the kills one after another: (re)start the daemon, then either let an armed
crash point kill it (``KASSA_TEST_CRASH_AT``; a crash point the work does not reach in time is
a miss and gets a SIGKILL instead) or SIGKILL it after a random delay. ``FaultThread`` spreads the
other faults over the same time, while the daemon runs. A daemon that exits when nobody killed
it is a finding (``Tally.exits``, with its exit code and last log lines), never counted as a kill.
"""

from __future__ import annotations

import contextlib
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid as uuid_module
from collections import Counter
from dataclasses import dataclass, field

from agent.journal.crash import ENV, STEPS
from bench.torture_mix import Ledger, Op, perform, sale_body
from bench.torture_stack import Stack
from tests.fixtures.daemon import REPO, DaemonFailed

FULL_PROBES = 20  # sales tried while the disk is full, until one is refused
HOOK_WAIT = 30.0  # seconds the work has to reach an armed crash point
TWIN_PATIENCE = 60.0  # seconds a second daemon waits for a moment the first runs unarmed
TWIN_ANSWER = 60.0  # seconds a second daemon has to be refused (or to take the lock)
REGISTER_KINDS = ("paper-out", "cover-open", "disconnect")
RECEIPT_PRINTER_KINDS = ("paper-end", "cover-open", "offline")


@dataclass
class Tally:
    kills: int = 0
    random_kills: int = 0
    aimed: Counter = field(default_factory=Counter)  # crash point -> times armed
    hits: Counter = field(default_factory=Counter)  # crash point -> times it killed the daemon
    power: int = 0
    printer: Counter = field(default_factory=Counter)
    disk_full: int = 0
    refused_while_full: int = 0
    fit_while_full: int = 0
    restarts_failed: int = 0
    restart_refusals: Counter = field(default_factory=Counter)  # why, by the daemon's last line
    twins: int = 0
    twins_skipped: int = 0
    twins_took_lock: int = 0  # the first had exited by itself: the second got the lock, was killed
    not_recovered: list[str] = field(default_factory=list)
    exits: dict[int, str] = field(default_factory=dict)  # pid -> how a daemon exited unbidden

    def windows(self) -> str:
        return " ".join(f"{step}={self.hits[step]}/{self.aimed[step]}" for step in STEPS)

    def exited(self, world: Stack, while_: str) -> str:
        """Write down (once per process) that the daemon exited though nobody killed it."""
        process = world.daemon.process
        if process.pid not in self.exits:
            self.exits[process.pid] = (
                f"the daemon (pid {process.pid}) exited by itself with code {process.returncode} "
                f"{while_}; its last lines:\n{world.tail()}"
            )
        return self.exits[process.pid]

    def problems(self) -> list[str]:
        return [*self.not_recovered, *self.exits.values()]


def start_daemon(world: Stack, tally: Tally, hook: str | None = None, patience: float = 180) -> None:
    """Start until it answers, as systemd's Restart= would (a full disk may refuse a start or two).

    An armed crash point may fire before the daemon's first answer (the clients are waiting for
    its socket): that is the hit, left for the caller to count, not a refused start to retry.
    """
    deadline = time.monotonic() + patience
    while True:
        try:
            world.start_daemon(hook)
            return
        except DaemonFailed:
            code = world.daemon.process.poll()
            if hook and code == -signal.SIGKILL and (world.daemon.state_dir / f"crashed-at-{hook}").exists():
                return
            world.daemon.kill()
            tally.restarts_failed += 1
            last = world.tail(1) or "nothing in the log"
            tally.restart_refusals[f"exit {code}: {last[-160:]}" if code is not None else "no answer"] += 1
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def kill_plan(kills: int, rng: random.Random) -> list[str | None]:
    """Half of the kills aimed at the crash points in turn, the rest random (None), shuffled."""
    aimed = [STEPS[number % len(STEPS)] for number in range(kills // 2)]
    plan: list[str | None] = [*aimed, *([None] * (kills - len(aimed)))]
    rng.shuffle(plan)
    return plan


def kill_loop(world: Stack, plan: list[str | None], rng: random.Random, tally: Tally, log) -> None:
    for number, step in enumerate(plan, start=1):
        began = time.monotonic()
        with world.lifecycle:
            start_daemon(world, tally, step)
        up = time.monotonic() - began
        if step is not None:
            tally.aimed[step] += 1
            with contextlib.suppress(subprocess.TimeoutExpired):
                world.daemon.process.wait(HOOK_WAIT)
            with world.lifecycle:
                if (world.daemon.state_dir / f"crashed-at-{step}").exists() and not world.alive():
                    tally.hits[step] += 1
                    how = f"crash point {step}"
                elif not world.alive():
                    how = tally.exited(world, f"with crash point {step} armed (the crash point left no mark)")
                else:
                    world.daemon.kill()
                    tally.random_kills += 1
                    how = f"crash point {step} not reached in {HOOK_WAIT:.0f} s: SIGKILL"
        else:
            delay = rng.uniform(0.2, 3.0)
            time.sleep(delay)
            with world.lifecycle:
                if world.alive():
                    world.daemon.kill()
                    tally.random_kills += 1
                    how = f"SIGKILL after {delay:.2f} s"
                else:
                    how = tally.exited(world, f"within {delay:.2f} s of its start")
        done = how.startswith(("crash point", "SIGKILL"))
        tally.kills += done
        label = f"kill {number}/{len(plan)}" if done else f"no kill {number}/{len(plan)}"
        log(f"{label}: {how} (up in {up:.1f} s, round {time.monotonic() - began:.1f} s)")
    with world.lifecycle:
        start_daemon(world, tally)


class FaultThread(threading.Thread):
    """Power cycles, printer faults and disk fills at spread-out moments while the work runs."""

    def __init__(
        self,
        world: Stack,
        events: list[str],
        spacing: float,
        rng: random.Random,
        tally: Tally,
        log,
        ledger: Ledger,
    ):
        super().__init__(name="faults", daemon=True)
        self.world = world
        self.events = events
        self.spacing = spacing
        self.rng = rng
        self.tally = tally
        self.log = log
        self.hurry = threading.Event()  # the kills are over: no more waiting between faults
        self.error: BaseException | None = None
        self.ledger = ledger

    def run(self) -> None:
        try:
            for event in self.events:
                self.hurry.wait(self.rng.uniform(0.5, 1.5) * self.spacing)
                if self.hurry.is_set():
                    time.sleep(self.rng.uniform(0.3, 1.5))
                getattr(self, event)()
        except BaseException as exc:  # reported by the main thread
            self.error = exc

    def power(self) -> None:
        self.world.kkt.fault("power-cycle")
        self.tally.power += 1
        self.log("power cycle of the register")

    def printer(self) -> None:
        """Half on the register, half on the receipt printer (which prints the copies)."""
        hold = self.rng.uniform(0.5, 2.5)
        if self.rng.random() < 0.5:
            kind = self.rng.choice(RECEIPT_PRINTER_KINDS)
            self.world.printer.fault(kind)
            time.sleep(hold)
            self.world.printer.fault("clear")
            self.tally.printer[f"receipt printer {kind}"] += 1
            self.log(f"receipt printer {kind} for {hold:.1f} s")
            return
        kind = self.rng.choice(REGISTER_KINDS)
        if kind == "disconnect":
            self.world.kkt.stop()
            time.sleep(hold)
            self.world.kkt.start()
        else:
            self.world.kkt.fault(kind)
            time.sleep(hold)
            self.world.kkt.fault("clear")
        self.tally.printer[f"register {kind}"] += 1
        self.log(f"register {kind} for {hold:.1f} s")

    def twin(self) -> None:
        """A second `kassa run` on the same state dir must be refused while the first runs."""
        self._while_it_runs(self._second_daemon, "a second daemon")

    def _while_it_runs(self, action, what: str) -> None:
        """``action`` holding ``lifecycle``, once the daemon runs unarmed: nobody kills or
        restarts it meanwhile (an armed crash point could end it any moment)."""
        deadline = time.monotonic() + TWIN_PATIENCE
        while True:
            with self.world.lifecycle:
                if self.world.alive() and ENV not in self.world.daemon.env:
                    action()
                    return
            if time.monotonic() > deadline:
                self.tally.twins_skipped += what == "a second daemon"
                self.log(f"{what}: the daemon never ran unarmed within {TWIN_PATIENCE:.0f} s; not tried")
                return
            time.sleep(0.2)

    def _second_daemon(self) -> None:
        world = self.world
        first = world.daemon.process
        with tempfile.TemporaryFile() as out:
            twin = subprocess.Popen(
                [sys.executable, "-m", "agent", "run"],
                env=world.daemon.env,
                cwd=REPO,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            took_lock = False
            deadline = time.monotonic() + TWIN_ANSWER
            while twin.poll() is None and time.monotonic() < deadline:
                if world.lock_holder() == str(twin.pid):
                    took_lock = True
                    break
                time.sleep(0.05)
            hung = twin.poll() is None and not took_lock
            twin.kill()
            twin.wait()
            out.seek(0)
            output = out.read().decode("utf-8", errors="replace")
        with world.daemon.log_path.open("a", encoding="utf-8") as log:
            log.write(output)  # one journal for both, as under systemd: a twin that ran said what it did
        refused = not took_lock and twin.returncode != 0 and "already running" in output
        if refused:
            self.tally.twins += 1
            self.log("a second daemon on the same state dir: refused")
            return
        if first.poll() is None:  # the first ran all along: the second had to be refused
            what = "took the state-dir lock" if took_lock else f"exited with {twin.returncode}"
            if hung:
                what = f"neither was refused nor took the lock in {TWIN_ANSWER:.0f} s"
            raise AssertionError(f"a second daemon on the same state dir {what}: {output[-500:]}")
        self.tally.twins_took_lock += took_lock
        self.tally.twins_skipped += not took_lock
        how = self.tally.exited(world, "while a second daemon was being tried")
        self.log(
            "a second daemon on the same state dir: "
            + ("took the lock (killed at once): " if took_lock else "not refused: ")
            + how
        )

    def disk(self) -> None:
        """Fill the state dir; a sale meanwhile is refused (or fits in what SQLite had already
        allocated); once emptied, sales go through again without anyone restarting anything:
        the kills wait, so the daemon that saw the disk fill is the one that must recover."""
        self._while_it_runs(self._fill_and_empty, "a full disk")

    def _fill_and_empty(self) -> None:
        disk = self.world.disk
        written = disk.fill()
        self.tally.disk_full += 1
        try:
            for _ in range(FULL_PROBES):  # SQLite reuses its WAL's pages: a few sales may still fit
                full = self._probe_sale()
                if full.outcome != "ok":
                    break
                self.tally.fit_while_full += 1
            time.sleep(self.rng.uniform(1.0, 3.0))
        finally:
            disk.empty()
        if full.error_code in ("store_failed", "journal_unsettled"):  # neither lets the register fiscalize
            self.tally.refused_while_full += 1
        deadline = time.monotonic() + 90
        after = self._probe_sale()
        while after.outcome != "ok" and time.monotonic() < deadline and self.world.alive():
            time.sleep(1)
            after = self._probe_sale()
        if not self.world.alive():
            self.tally.exited(self.world, "after the state dir had filled up")
        elif after.outcome != "ok":
            problem = f"no sale went through 90 s after the disk emptied: {after.error}"
            self.tally.not_recovered.append(problem)
        self.log(
            f"state dir full ({written} bytes of filler): the last of the sales {full.outcome} "
            f"({full.error_code or 'ok'}); "
            f"emptied: a sale {after.outcome}"
        )

    def _probe_sale(self) -> Op:
        uuid = str(uuid_module.uuid4())
        op = self.ledger.add(Op(uuid, "sale", "api", sale_body(uuid, self.rng)))
        # called holding ``lifecycle``: a daemon gone now is not coming back, no waiting for it
        perform(self.world.daemon, op, self.ledger, patience=0)
        return op
