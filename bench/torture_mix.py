"""The stream of work the faults land in: several clients at once, the CLI's path and the local API's.

Each client draws from its own seeded RNG: sales (cash or card), full returns of its own sales,
cash in/out, a copy on the receipt printer, a shift closed (Z report) or opened, a sync. Every
operation that writes a fiscal document carries a uuid and is written to the ``Ledger`` before
it is sent, with what came back: ``ok``, ``refused`` (the daemon said no, nothing was done) or
``unknown`` (the daemon died, timed out or said it may have been done). ``retry_all`` repeats
every uuid that did not end ``ok`` with the same request, as a client that was cut off does;
the FN then has to hold each sale exactly once.
"""

from __future__ import annotations

import json
import random
import socket
import subprocess
import sys
import threading
import time
import uuid as uuid_module
from collections import Counter
from dataclasses import dataclass, field

from agent.client import DaemonClient, DaemonError
from tests.fixtures.daemon import REPO, RunningDaemon

KASSA = [sys.executable, "-m", "agent"]
ITEM_PREFIX = "T-"
CLI_TIMEOUT = 120
API_TIMEOUT = 60


@dataclass
class Op:
    uuid: str
    kind: str  # sale | return | cash_in | cash_out | shift_open | shift_close
    path: str  # cli | api
    body: dict
    sale_uuid: str | None = None  # a return's sale
    outcome: str = "unknown"  # ok | refused | unknown
    error: str = ""
    error_code: str = ""
    receipt_id: int | None = None


@dataclass
class Ledger:
    ops: dict[str, Op] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    refusals: Counter = field(default_factory=Counter)
    syncs: int = 0
    copies: int = 0

    def add(self, op: Op) -> Op:
        with self.lock:
            self.ops[op.uuid] = op
        return op

    def of(self, *kinds: str) -> list[Op]:
        with self.lock:
            return [op for op in self.ops.values() if op.kind in kinds]


def sale_body(uuid: str, rng: random.Random) -> dict:
    price = rng.randrange(100, 20000)
    pay = rng.choice(("cash", "card"))
    return {
        "uuid": uuid,
        "lines": [{"name": f"{ITEM_PREFIX}{uuid}", "price": price, "quantity": "2"}],
        "payments": [{"kind": pay}],
    }


def cli_sale_args(body: dict) -> list[str]:
    line = body["lines"][0]
    return [
        "sale",
        "--uuid",
        body["uuid"],
        "--item",
        f"{line['name']}={line['price']}x{line['quantity']}",
        "--pay",
        body["payments"][0]["kind"],
        "--json",
    ]


class Client(threading.Thread):
    """One cashier (``path`` cli: `kassa sale` subprocesses; api: the TUI's calls on the socket)."""

    def __init__(
        self, name: str, path: str, daemon: RunningDaemon, ledger: Ledger, seed: int, stop: threading.Event
    ):
        super().__init__(name=name, daemon=True)
        self.path = path
        self.daemon_under_test = daemon
        self.ledger = ledger
        self.rng = random.Random(seed)
        self.stop_event = stop
        self.done = 0

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                self.step()
            except Exception as exc:  # a client never dies of the daemon's trouble
                self.ledger.refusals[f"client error {type(exc).__name__}"] += 1
                time.sleep(0.5)
            self.done += 1

    def step(self) -> None:
        roll = self.rng.random()
        if self.path == "cli":
            if roll < 0.9:
                self.sale()
            else:
                self.cli_sync()
            return
        if roll < 0.6:
            self.sale()
        elif roll < 0.72:
            self.give_back()
        elif roll < 0.84:
            self.cash(self.rng.choice(("cash_in", "cash_out")))
        elif roll < 0.86:
            self.print_copy()
        elif roll < 0.88:
            self.shift("shift_close")
        elif roll < 0.9:
            self.shift("shift_open")
        else:
            self.api_sync()

    # -- operations ------------------------------------------------------------------------------

    def sale(self) -> None:
        uuid = str(uuid_module.uuid4())
        op = self.ledger.add(Op(uuid, "sale", self.path, sale_body(uuid, self.rng)))
        perform(self.daemon_under_test, op, self.ledger)
        if op.outcome == "unknown":
            time.sleep(0.3)  # the daemon is probably being restarted

    def give_back(self) -> None:
        sales = [
            op for op in self.ledger.of("sale") if op.path == "api" and op.receipt_id and op.outcome == "ok"
        ]
        returned = {op.sale_uuid for op in self.ledger.of("return")}
        sales = [op for op in sales if op.uuid not in returned]
        if not sales:
            return self.sale()
        sale = self.rng.choice(sales)
        uuid = str(uuid_module.uuid4())
        op = Op(
            uuid,
            "return",
            "api",
            {"uuid": uuid, "lines": None},
            sale_uuid=sale.uuid,
            receipt_id=sale.receipt_id,
        )
        perform(self.daemon_under_test, self.ledger.add(op), self.ledger)

    def print_copy(self) -> None:
        """A copy of one of this mix's receipts on the receipt printer (no fiscal effect)."""
        sales = [op for op in self.ledger.of("sale") if op.receipt_id and op.outcome == "ok"]
        if not sales:
            return
        receipt_id = self.rng.choice(sales).receipt_id
        try:
            with DaemonClient(self.daemon_under_test.socket, timeout=API_TIMEOUT) as client:
                client.post(f"/v1/receipts/{receipt_id}/copy")
            self.ledger.copies += 1
        except DaemonError as exc:
            self.ledger.refusals[f"copy {exc.code}"] += 1

    def cash(self, kind: str) -> None:
        uuid = str(uuid_module.uuid4())
        amount = self.rng.randrange(100, 5000) if kind == "cash_out" else self.rng.randrange(1000, 50000)
        op = self.ledger.add(Op(uuid, kind, "api", {"uuid": uuid, "amount": amount}))
        perform(self.daemon_under_test, op, self.ledger)

    def shift(self, kind: str) -> None:
        uuid = str(uuid_module.uuid4())
        op = self.ledger.add(Op(uuid, kind, "api", {"uuid": uuid}))
        perform(self.daemon_under_test, op, self.ledger)

    def api_sync(self) -> None:
        try:
            with DaemonClient(self.daemon_under_test.socket, timeout=API_TIMEOUT) as client:
                client.post("/v1/sync", json={"streams": ["receipts"], "wait": True})
            self.ledger.syncs += 1
        except DaemonError as exc:
            self.ledger.refusals[f"sync {exc.code}"] += 1
            time.sleep(0.3)

    def cli_sync(self) -> None:
        result = kassa(self.daemon_under_test, ["sync", "--stream", "receipts", "--wait"])
        if result.returncode == 0:
            self.ledger.syncs += 1
        else:
            self.ledger.refusals["cli sync"] += 1


API_PATHS = {
    "sale": lambda op: "/v1/receipts",
    "return": lambda op: f"/v1/receipts/{op.receipt_id}/return",
    "cash_in": lambda op: "/v1/cash/in",
    "cash_out": lambda op: "/v1/cash/out",
    "shift_open": lambda op: "/v1/shift/open",
    "shift_close": lambda op: "/v1/shift/close",
}


def kassa(
    daemon: RunningDaemon, args: list[str], timeout: float = CLI_TIMEOUT
) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(
            [*KASSA, *args], env=daemon.env, cwd=REPO, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(args, 124, "", "timed out")


def perform(daemon: RunningDaemon, op: Op, ledger: Ledger, patience: float = 120) -> None:
    """Send ``op`` by its path and write down what came back.

    While no daemon listens (it is being restarted), the request waits and goes again, as the
    TUI does: it never reached anything, so it is not an outcome.
    """
    deadline = time.monotonic() + patience
    while True:
        _send(daemon, op, ledger)
        if op.error_code != "daemon_not_running" or time.monotonic() > deadline:
            return
        wait_listening(daemon.socket, deadline)


def wait_listening(path, deadline: float) -> None:
    """Until something accepts on the daemon's socket (a cheap probe, not a CLI process per try)."""
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            try:
                probe.connect(str(path))
                return
            except OSError:
                pass
        time.sleep(0.2)


def _send(daemon: RunningDaemon, op: Op, ledger: Ledger) -> None:
    op.error_code = ""
    if op.path == "cli":
        result = kassa(daemon, cli_sale_args(op.body))
        if result.returncode == 0:
            op.outcome, op.error = "ok", ""
            return
        op.error = (result.stderr.strip().splitlines() or [str(result.returncode)])[-1]
        op.outcome = "unknown"  # a shell sees only the text; the same uuid is always safe to repeat
        if "is not running" in op.error:
            op.error_code = "daemon_not_running"
        else:
            ledger.refusals[f"cli sale exit {result.returncode}"] += 1
        return
    try:
        with DaemonClient(daemon.socket, timeout=API_TIMEOUT) as client:
            answer = client.post(API_PATHS[op.kind](op), json=op.body)
    except DaemonError as exc:
        op.error, op.error_code = f"{exc.code}: {exc.message}", exc.code
        unknown = exc.outcome_unknown or exc.unavailable or exc.status in (0, 500)
        op.outcome = "unknown" if unknown else "refused"
        if exc.code != "daemon_not_running":
            ledger.refusals[f"{op.kind} {exc.code}"] += 1
        return
    document = answer.get("document", answer) if isinstance(answer, dict) else {}
    op.outcome, op.error = "ok", ""
    if op.kind == "sale":
        op.receipt_id = document.get("id")


def retry_all(daemon: RunningDaemon, ledger: Ledger) -> list[str]:
    """Every sale, return and cash move that did not end ``ok``, again with its uuid; what still fails.

    Shift documents are not repeated: closing "the" shift again would close another one.
    """
    problems = []
    for op in ledger.of("sale", "return", "cash_in", "cash_out"):
        if op.outcome == "ok":
            continue
        if op.kind == "return" and op.receipt_id is None:
            continue
        perform(daemon, op, ledger)
        if op.outcome != "ok" and not expected_refusal(op):
            problems.append(f"{op.kind} {op.uuid} still fails on retry: {op.error}")
    return problems


def expected_refusal(op: Op) -> bool:
    """Refusals that are right for the request itself, not for a fault."""
    benign = ("shift_not_open", "not_enough_cash", "already_returned", "return_limit", "cash", "needs_check")
    return op.outcome == "refused" and any(word in op.error for word in benign)


def sample_replays(daemon: RunningDaemon, ledger: Ledger, rng: random.Random, count: int = 10) -> list[str]:
    """A few ``ok`` sales again with the same uuid: each must answer with the first receipt."""
    problems = []
    done = [op for op in ledger.of("sale") if op.outcome == "ok"]
    for op in rng.sample(done, min(count, len(done))):
        perform(daemon, op, ledger)
        if op.outcome != "ok":
            problems.append(f"replay of sale {op.uuid} failed: {op.error}")
    return problems


def ledger_json(ledger: Ledger) -> str:
    return json.dumps([op.__dict__ for op in ledger.ops.values()], ensure_ascii=False, default=str)
