"""Catalog sync of 100,000 products: time and peak memory, against parsing the same pages naively.

The register pulls the catalog page by page (500 items) and applies each page with its cursor in one
transaction, so its memory does not grow with the catalog. The baseline fetches the same pages from
the same server and keeps every ``json.loads``-ed item in one list (what "load the whole answer"
costs), with no database at all. Memory is the tracemalloc peak of each, measured in separate runs
from the timings (tracemalloc slows Python down).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

PAGE = 500


def _kassa(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "agent", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=900,
    )
    return result.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(db: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "agent", "backoffice", "serve", "--port", str(port), "--db", str(db)],
            cwd=REPO,
            stdout=out,
            stderr=out,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"the back office did not start: {log.read_text()}")


def _register(state_dir: Path, db: Path, url: str):
    from agent.backoffice import RegisterIdentity
    from agent.config.schema import BackofficeSettings
    from agent.pairing.service import PairingService
    from agent.store import open_store
    from agent.store.types import utcnow
    from agent.sync.engine import SyncEngine
    from sim.kkt import identity

    store = open_store(state_dir)
    pairing = PairingService(store, state_dir, BackofficeSettings(timeout=120))
    code = _kassa("backoffice", "code", "--db", str(db)).strip().splitlines()[-1]
    me = RegisterIdentity(
        identity.EMULATOR_SERIAL, identity.EMULATOR_MODEL, identity.EMULATOR_FN_SERIAL, identity.EMULATOR_INN
    )
    pairing.pair(code, me, url)
    return store, SyncEngine(store, pairing, clock=utcnow, page_limit=PAGE, timeout=120)


def _sync(scratch: Path, db: Path, url: str, name: str, trace: bool) -> tuple[float, float, int]:
    store, engine = _register(scratch / name, db, url)
    try:
        if trace:
            tracemalloc.start()
        started = time.perf_counter()
        result = engine.run("products")
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] if trace else 0
        if trace:
            tracemalloc.stop()
        if not result.ok:
            raise RuntimeError(result.error)
        return seconds, peak / 2**20, result.moved
    finally:
        store.close()


def _naive(url: str, token: str, trace: bool) -> tuple[float, float, int]:
    """Every page fetched and json.loads-ed into one list held in memory: no database."""
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    items: list[dict] = []
    since = None
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120) as http:
        while True:
            params = {"limit": PAGE, **({"since": since} if since else {})}
            page = json.loads(http.get("/api/v1/catalog", params=params).content)
            items.extend(page["items"])
            if not page["more"]:
                break
            since = page["next"]
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    if trace:
        tracemalloc.stop()
    return seconds, peak / 2**20, len(items)


def cases(quick: bool) -> list[dict]:
    products = 10_000 if quick else 100_000
    with tempfile.TemporaryDirectory(prefix="kassa-bench-catalog-") as tmp:
        scratch = Path(tmp)
        db = scratch / "backoffice.db"
        _kassa("backoffice", "seed", "--db", str(db), "--products", str(products), "--employees", "1")
        process, url = _serve(db, scratch / "backoffice.log")
        try:
            sync_seconds, _, moved = _sync(scratch, db, url, "timed", trace=False)
            _, sync_peak, _ = _sync(scratch, db, url, "traced", trace=True)
            from agent.pairing.token_file import read_token

            token = read_token(scratch / "traced")
            naive_seconds, _, listed = _naive(url, token, trace=False)
            _, naive_peak, _ = _naive(url, token, trace=True)
        finally:
            process.terminate()
            process.wait(timeout=30)
    label = f"{products // 1000}k"
    return [
        {
            "name": f"catalog sync {label} products (groups, barcodes) into SQLite",
            "value": round(sync_seconds, 2),
            "unit": "s",
            "baseline": f"fetch + json.loads the same {listed} items, no database",
            "baseline_value": round(naive_seconds, 2),
            "target": "a full 100k catalog in minutes, not hours; items moved: " + str(moved),
        },
        {
            "name": f"catalog sync {label} products: peak Python memory",
            "value": round(sync_peak, 1),
            "unit": "MiB",
            "baseline": "every page json.loads-ed and held in one list",
            "baseline_value": round(naive_peak, 1),
            "target": "bounded by one page, not the catalog: far under the baseline",
        },
    ]


if __name__ == "__main__":
    for case in cases("--quick" in sys.argv):
        print(case)
