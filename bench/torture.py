"""Torture: a mix of sales, returns, shifts, cash moves and syncs from several clients while the
daemon is killed, the register loses power or paper, the network misbehaves and the disk fills.

    python -m bench.torture --kills 200 --power 50 --net-chaos --printer 50 --disk --seed 7

Everything is real on this machine: the KKT emulator on a pty, the reference back office on
loopback behind ``sim.faultproxy``, ``kassa run`` as a subprocess (bench/torture_stack.py). Two
clients sell with ``kassa sale`` (the CLI's path) and two through the local API (the TUI's
path: sales, returns, cash in/out, shift close and open, sync); the workload is in
bench/torture_mix.py, the faults in bench/torture_faults.py. When the faults are over, the
network comes back, every request that did not answer ``ok`` is repeated with its uuid, the
outbox is drained, and bench/invariant.py compares the FN, the journal and the back office.
The last line (one line)::

    kills=K power=P net_faults=F printer_faults=R disk_full=D docs=N unresolved=U
    lost=0 doubled=0 mismatched=0

The exit status is non-zero when lost, doubled or mismatched is not zero (each is listed above
that line). ``--seed`` repeats the plan and the clients' choices (the timing is the machine's).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.invariant import NEEDS_PERSON, backoffice_documents, check, fn_journal, journal_tables  # noqa: E402
from bench.torture_faults import FaultThread, Tally, kill_loop, kill_plan, start_daemon  # noqa: E402
from bench.torture_mix import Client, Ledger, kassa, retry_all, sample_replays  # noqa: E402
from bench.torture_stack import Stack, stack  # noqa: E402
from sim.kkt.state import load_state  # noqa: E402

NET_FAIL = 0.3  # share of back-office requests the proxy spoils under --net-chaos
SECONDS_PER_KILL = 4.0  # roughly what one kill round takes here; spaces the other faults
DRAIN_TIMEOUT = 300.0


def run(
    kills: int = 10, power: int = 0, net_chaos: bool = False, printer: int = 0, disk: bool = False,
    seconds: float | None = None, seed: int | None = None, clients: tuple[int, int] = (2, 2),
    verbose: bool = True,
) -> dict:  # fmt: skip
    seed = random.randrange(1 << 30) if seed is None else seed
    rng = random.Random(seed)

    def log(text: str) -> None:
        if verbose:
            print(text, flush=True)

    log(f"seed={seed}")
    tally = Tally()
    with stack(seed, disk=disk) as world:
        ledger = Ledger()
        stop = threading.Event()
        workers = [
            Client(f"{path}-{n}", path, world.daemon, ledger, rng.randrange(1 << 30), stop)
            for path, count in (("cli", clients[0]), ("api", clients[1]))
            for n in range(count)
        ]
        events = ["power"] * power + ["printer"] * printer + ["twin"] * max(1, kills // 20)
        events += ["disk"] * max(1, kills // 40) if disk else []
        rng.shuffle(events)
        span = seconds if seconds is not None else max(kills * SECONDS_PER_KILL, 10.0)
        fault_rng = random.Random(rng.randrange(1 << 30))  # its own: the threads draw side by side
        faults = FaultThread(world, events, span / (len(events) + 1), fault_rng, tally, log, ledger)
        world.proxy.fail = NET_FAIL if net_chaos else 0.0
        started = time.monotonic()
        for worker in workers:
            worker.start()
        faults.start()
        kill_loop(world, kill_plan(kills, rng), rng, tally, log)
        if seconds is not None:
            time.sleep(max(0.0, started + seconds - time.monotonic()))
        faults.hurry.set()
        faults.join()
        stop.set()
        for worker in workers:
            worker.join(timeout=180)
        if faults.error is not None:
            raise faults.error
        log(f"faults over after {time.monotonic() - started:.0f} s; {len(ledger.ops)} operations")
        problems = recover(world, ledger, rng, tally)
        log(f"recovered after {time.monotonic() - started:.0f} s")
        verdict = verify(world, ledger)
        net_faults = sum(
            count for kind, count in world.proxy.counters.items() if kind not in ("requests", "forwarded")
        )
    return {
        "seed": seed,
        "tally": tally,
        "net_faults": net_faults,
        "verdict": verdict,
        "problems": problems,
        "operations": len(ledger.ops),
        "refusals": ledger.refusals,
        "syncs": ledger.syncs,
        "copies": ledger.copies,
    }


def recover(world: Stack, ledger: Ledger, rng: random.Random, tally: Tally) -> list[str]:
    """The faults are over: everything back, every cut-off request repeated, the outbox drained."""
    world.proxy.fail = 0.0
    if world.disk is not None:
        world.disk.empty()
    world.kkt.fault("clear")
    world.printer.fault("clear")
    if not world.alive():  # the kills ended with a started daemon: nobody stopped this one
        tally.exited(world, "after the kills were over")
        start_daemon(world, tally)
    world.settle(timeout=180)
    problems = retry_all(world.daemon, ledger)
    problems += sample_replays(world.daemon, ledger, rng)
    problems += drain(world)
    return problems + tally.problems()


def drain(world: Stack) -> list[str]:
    deadline = time.monotonic() + DRAIN_TIMEOUT
    with world.daemon.client(timeout=60) as client:
        while time.monotonic() < deadline:
            client.post("/v1/sync", json={"streams": ["receipts"], "wait": True})
            queue = client.get("/v1/status").get("queue") or {}
            if queue.get("depth") == 0:
                return []
            time.sleep(1)
    return [f"the outbox did not drain within {DRAIN_TIMEOUT:.0f} s"]


def verify(world: Stack, ledger: Ledger):
    shown = shown_needing_a_person(world)
    world.daemon.stop()  # a clean stop: the journal file is read as it lies on disk
    rows, outbox, payments = journal_tables(world.daemon.state_dir)
    drawer = load_state(world.kkt.state).cash
    verdict = check(
        fn_journal(world.kkt.state),
        rows,
        outbox,
        payments,
        backoffice_documents(world.office.db),
        drawer,
        ledger,
    )
    said = said_needing_a_person(world.daemon.log())
    marked = {row["uuid"] for row in rows if row["error_code"] == NEEDS_PERSON}
    if said != marked:
        verdict.mismatched.append(
            f"the log named {sorted(said)} as needing a person, the journal marks {sorted(marked)}"
        )
    current = since_last_close(rows, marked)
    if shown != current:
        verdict.mismatched.append(
            f"kassa status shows {sorted(shown)} as needing a person, the journal marks {sorted(current)} "
            "since the last Z report"
        )
    return verdict


def shown_needing_a_person(world: Stack) -> set[str]:
    """The uuids ``kassa status --json`` lists under attention (what the TUI's devices screen shows)."""
    result = kassa(world.daemon, ["status", "--json"])
    if result.returncode != 0:
        return {f"kassa status failed: {result.stderr.strip()}"}
    return {item["uuid"] for item in json.loads(result.stdout).get("attention") or ()}


def since_last_close(rows: list[dict], marked: set[str]) -> set[str]:
    """The marked rows made after the last Z report (which counts the drawer, settling the rest)."""
    closes = [row["fiscalized_at"] for row in rows if row["type"] == "shift_close" and row["fiscalized_at"]]
    last = max(closes, default="")
    return {row["uuid"] for row in rows if row["uuid"] in marked and row["created_at"] > last}


def said_needing_a_person(log: str) -> set[str]:
    """The uuids the daemon's log said a person must look at."""
    return set(re.findall(r"document (\S+) \([a-z_]+ of \d+\) needs a person", log))


def last_line(result: dict) -> str:
    tally, verdict = result["tally"], result["verdict"]
    return (
        f"kills={tally.kills} power={tally.power} net_faults={result['net_faults']} "
        f"printer_faults={sum(tally.printer.values())} disk_full={tally.disk_full} docs={verdict.docs} "
        f"unresolved={verdict.unresolved} lost={len(verdict.lost)} doubled={len(verdict.doubled)} "
        f"mismatched={len(verdict.mismatched)}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.torture", description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=10, help="SIGKILLs of the daemon (half at crash points)")
    parser.add_argument("--power", type=int, default=0, help="power cycles of the register mid-command")
    parser.add_argument("--net-chaos", action="store_true", help="resets, stalls, 5xx, dropped answers")
    parser.add_argument("--printer", type=int, default=0, help="paper out, cover open, cable pulled")
    parser.add_argument("--disk", action="store_true", help="the state dir on a small disk that fills up")
    parser.add_argument("--seconds", type=float, default=None, help="run at least this long")
    parser.add_argument("--seed", type=int, default=None, help="random seed, to repeat a run")
    args = parser.parse_args(argv)
    started = time.monotonic()
    result = run(args.kills, args.power, args.net_chaos, args.printer, args.disk, args.seconds, args.seed)
    tally = result["tally"]
    for problem in [*result["problems"], *result["verdict"].problems()]:
        print(problem)
    print(f"crash points hit/armed: {tally.windows()}; random kills: {tally.random_kills}")
    print(f"printer faults: {dict(tally.printer)}; restarts refused: {tally.restarts_failed}")
    for reason, count in tally.restart_refusals.most_common(5):
        print(f"  restart refused {count} times: {reason}")
    print(
        f"second daemons on the same state dir refused: {tally.twins}; not tried: {tally.twins_skipped}; "
        f"took the lock of a daemon that had exited by itself (killed at once): {tally.twins_took_lock}"
    )
    print(
        f"disk full {tally.disk_full} times: refused by the store before the register "
        f"{tally.refused_while_full} times; sales that still fit in the WAL: {tally.fit_while_full}"
    )
    print(f"refusals seen by the clients: {dict(result['refusals'].most_common(12))}")
    print(
        f"seed={result['seed']} operations={result['operations']} syncs={result['syncs']} "
        f"copies={result['copies']} "
        f"seconds={time.monotonic() - started:.0f}"
    )
    print(last_line(result), flush=True)
    return 0 if result["verdict"].clean and not result["problems"] else 1


if __name__ == "__main__":
    sys.exit(main())
