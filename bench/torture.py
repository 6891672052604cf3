"""Crash torture: `kassa sale --uuid U` in a loop while the daemon is SIGKILLed and restarted.

    python -m bench.torture --kills 50

Each round restarts the daemon and then kills it, half of the time from outside at a random
moment (SIGKILL from this script, wherever the daemon happens to be) and half of the time at a
random step of a sale through the test hook ``KASSA_TEST_CRASH_AT`` (before the commit, after
it, mid-receipt, after the close). Sales keep coming all the while. At the end every uuid is
sold once more with the same command, and the emulator's fiscal journal is counted: each
receipt carries its uuid in the item name, so the count does not trust the agent's journal.
The last line is ``kills=N lost=L doubled=D``; lost = uuids with no receipt on the FN,
doubled = uuids with more than one. Journal/FN disagreements are printed before it and make
the exit status non-zero too.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid as uuid_module
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from agent.journal.crash import ENV, STEPS  # noqa: E402
from tests.fixtures.daemon import RunningDaemon  # noqa: E402
from tests.fixtures.kkt import kkt_config, kkt_emulator  # noqa: E402
from tests.journal.e2e import agreement, wait_ready  # noqa: E402

KASSA = [sys.executable, "-m", "agent"]
ITEM_PREFIX = "T-"


def sale_args(uuid: str) -> list[str]:
    """The same command every time for the same uuid (the request hash must match on retry)."""
    price = 100 + int(uuid[:4], 16) % 9000
    return ["sale", "--uuid", uuid, "--item", f"{ITEM_PREFIX}{uuid}={price}x2", "--pay", "card"]


def run_sale(daemon: RunningDaemon, uuid: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*KASSA, *sale_args(uuid)], env=daemon.env, cwd=REPO, capture_output=True, text=True, timeout=timeout
    )


def clear_crash_markers(daemon: RunningDaemon) -> None:
    for marker in daemon.state_dir.glob("crashed-at-*"):
        marker.unlink()


def start(daemon: RunningDaemon, hook: str | None) -> None:
    if hook:
        clear_crash_markers(daemon)
        daemon.env[ENV] = hook
    else:
        daemon.env.pop(ENV, None)
    daemon.start()
    wait_ready(daemon, timeout=120)


def sell_until_dead(daemon: RunningDaemon, uuids: list[str], max_sales: int = 30) -> list[str]:
    """Sales back to back until the daemon dies (or enough were made); the errors of live refusals."""
    errors = []
    for _ in range(max_sales):
        uuid = str(uuid_module.uuid4())
        uuids.append(uuid)
        result = run_sale(daemon, uuid)
        if daemon.process.poll() is not None:
            break
        if result.returncode != 0:
            errors.append(result.stderr.strip())
    return errors


def one_round(daemon: RunningDaemon, uuids: list[str], rng: random.Random) -> str:
    if rng.random() < 0.5:
        step = rng.choice(STEPS)
        start(daemon, step)
        errors = sell_until_dead(daemon, uuids)
        how = f"hook {step}"
    else:
        start(daemon, None)
        delay = rng.uniform(0.2, 3.0)
        timer = threading.Timer(delay, daemon.kill)
        timer.start()
        errors = sell_until_dead(daemon, uuids, max_sales=10)
        timer.cancel()
        how = f"SIGKILL after {delay:.2f} s"
    daemon.kill()
    if errors:
        how += f"; {len(errors)} sales refused, first: {errors[0]}"
    return how


def count_receipts(kkt) -> Counter:
    counts: Counter = Counter()
    for doc in kkt.receipts():
        for item in doc["items"]:
            if item["name"].startswith(ITEM_PREFIX):
                counts[item["name"][len(ITEM_PREFIX) :]] += 1
    return counts


def torture(kills: int, seed: int | None = None, verbose: bool = True) -> dict:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="kassa-torture-") as scratch:
        base = Path(scratch)
        with kkt_emulator(base) as kkt:
            daemon = RunningDaemon(base / "daemon", kkt_config(kkt), None)
            uuids: list[str] = []
            try:
                for number in range(1, kills + 1):
                    how = one_round(daemon, uuids, rng)
                    if verbose:
                        print(f"kill {number}/{kills}: {how}; {len(uuids)} sales asked so far", flush=True)
                start(daemon, None)
                failures = [uuid for uuid in uuids if run_sale(daemon, uuid).returncode != 0]
                problems = agreement(kkt, daemon)
                counts = count_receipts(kkt)
            except BaseException:
                kept = Path(tempfile.mkdtemp(prefix="kassa-torture-failed-"))
                skip = shutil.ignore_patterns("kkt", "*.sock")
                shutil.copytree(base, kept, dirs_exist_ok=True, ignore=skip)
                print(f"torture stopped; daemon log and emulator state kept in {kept}", flush=True)
                raise
            finally:
                daemon.cleanup()
    lost = [uuid for uuid in uuids if counts[uuid] == 0]
    doubled = [uuid for uuid in uuids if counts[uuid] > 1]
    return {
        "kills": kills,
        "sales": len(uuids),
        "lost": lost,
        "doubled": doubled,
        "retry_failures": failures,
        "disagreements": problems,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.torture", description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=10, help="how many times to SIGKILL the daemon")
    parser.add_argument("--seed", type=int, default=None, help="random seed, to repeat a run")
    args = parser.parse_args(argv)
    started = time.monotonic()
    result = torture(args.kills, args.seed)
    for problem in result["disagreements"]:
        print(f"disagreement: {problem}")
    for uuid in result["retry_failures"]:
        print(f"retry failed: {uuid}")
    print(f"sales={result['sales']} seconds={time.monotonic() - started:.0f}")
    print(f"kills={result['kills']} lost={len(result['lost'])} doubled={len(result['doubled'])}")
    bad = result["lost"] or result["doubled"] or result["disagreements"] or result["retry_failures"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
