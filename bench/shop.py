"""A shop's day at full size: 100,000 products from the back office, 100,000 documents in the journal.

One stack (the reference back office seeded with the catalog, the KKT emulator, `kassa run` on a
store holding the journal) serves these rows in order:
- catalog-first, catalog-rss: the first sync of the catalog through ``POST /v1/sync``; the
  daemon's peak RSS (VmHWM) after it;
- catalog-delta: 100 products changed in the back office, then the same sync;
- search-p99: ``GET /v1/products?q=`` by name prefix (Cyrillic, mixed case), code and barcode;
- idle-rss: after a sale and a sync, the daemon's RSS 30 s later; beside it, the floor that the
  brief's libraries alone make (``bench/floor.py``);
- startup: the daemon restarted on that store, to READY=1 on its notify socket;
- tui-first-screen: ``kassa tui`` on a pty until the login screen is drawn;
- scan-to-cart: the TUI (pilot) logged in, 200 barcodes posted as a scanner types them, from
  each Enter to its line in the cart table.
Every bound is absolute: each row carries it as its baseline.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import select
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

IDS = (
    "catalog-first",
    "catalog-rss",
    "catalog-delta",
    "search-p99",
    "idle-rss",
    "startup",
    "tui-first-screen",
    "scan-to-cart",
)
CASHIER_PIN = "2222"  # the seeded back office's first cashier
LOST = 3600.0  # seconds: the latency a lost scan counts as
ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")


def _row(case_id: str, name: str, value: float, unit: str, bound: float | None, sign: str) -> dict:
    """A row whose baseline is its bound; no bound (a quick run where it does not scale): met is null."""
    return {
        "id": case_id,
        "name": name,
        "value": value,
        "unit": unit,
        "baseline": "bound",
        "baseline_value": bound,
        "target": f"{sign} {bound:g}" if bound is not None else None,
    }


def _floor(base: Path) -> int:
    """``bench/floor.py`` in a fresh interpreter: the RSS (KiB) of the fixed libraries alone."""
    directory = base / "floor"
    directory.mkdir()
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "floor.py"), str(directory)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return int(done.stdout.split()[-1])


def _sync(client, stream: str) -> float:
    started = time.perf_counter()
    answer = client.post("/v1/sync", json={"streams": [stream]})
    seconds = time.perf_counter() - started
    results = answer["results"]
    if not all(result.get("ok", True) for result in results):
        raise RuntimeError(f"sync of {stream} failed: {results}")
    return seconds


def _fetch_only(url: str, state_dir: Path) -> float:
    """The same pages fetched and json-parsed with nothing stored: the floor under a first sync."""
    import json

    import httpx

    from agent.pairing.token_file import read_token

    started = time.perf_counter()
    since = None
    with httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {read_token(state_dir)}"}, timeout=120
    ) as http:
        while True:
            page = json.loads(
                http.get(
                    "/api/v1/catalog", params={"limit": 500, **({"since": since} if since else {})}
                ).content
            )
            if not page["more"]:
                return time.perf_counter() - started
            since = page["next"]


def _change(office, count: int) -> None:
    from sim.backoffice import catalog

    products = office.products()[:count]
    with office.engine.begin() as conn:
        for product in products:
            catalog.upsert_product(
                conn,
                code=product["code"],
                name=product["name"] + " новинка",
                price=product["price"] + 100,
                unit=product["unit"],
                tax=product["tax"],
                weighted=product["weighted"],
                group_id=product.get("group_id"),
                barcodes=product["barcodes"],
                product_id=product["id"],
            )


def _queries(products: list[dict], count: int) -> list[str]:
    names = sorted({p["name"].split()[0] for p in products if not p["name"].isascii()})
    queries = []
    for index in range(count):
        product = products[(index * 7919) % len(products)]
        kind = index % 3
        if kind == 0:
            word = names[index % len(names)]
            prefix = word[: max(3, len(word) - 2)]
            queries.append(prefix.upper() if index % 2 else prefix.lower())
        elif kind == 1:
            queries.append(product["code"])
        else:
            queries.append(product["barcodes"][0] if product["barcodes"] else product["code"])
    return queries


def _search(daemon, queries: list[str]) -> list[float]:
    times = []
    with daemon.http(timeout=60) as http:
        for text in queries[:20]:  # warm
            http.get("/v1/products", params={"q": text}).raise_for_status()
        for text in queries:
            started = time.perf_counter()
            answer = http.get("/v1/products", params={"q": text})
            times.append(time.perf_counter() - started)
            answer.raise_for_status()
            if not answer.json()["items"]:
                raise RuntimeError(f"search {text!r} found nothing")
    return times


def _status_round_trips(daemon, count: int) -> list[float]:
    """The local API's own cost on this machine now: the floor under any search."""
    times = []
    with daemon.http(timeout=60) as http:
        for _ in range(count):
            started = time.perf_counter()
            http.get("/v1/status").raise_for_status()
            times.append(time.perf_counter() - started)
    return times


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _startup(daemon) -> float:
    """`kassa run` to READY=1 (sd_notify), on a notify socket of our own."""
    daemon.stop()
    path = daemon.base / "notify.sock"
    path.unlink(missing_ok=True)
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(path))
        sock.settimeout(120)
        daemon.env["NOTIFY_SOCKET"] = str(path)
        started = time.perf_counter()
        daemon.start(wait=False)
        while True:
            if b"READY=1" in sock.recv(4096):
                seconds = time.perf_counter() - started
                break
    daemon.env.pop("NOTIFY_SOCKET")
    daemon.wait_ready()
    return seconds


def _tui_first_screen(daemon) -> float:
    """`kassa tui` on a pty (80×24) until the login screen's words are on it."""
    import fcntl
    import struct
    import termios

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {**daemon.env, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "agent", "tui", "--lang", "en"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        cwd=REPO,
        start_new_session=True,
    )
    os.close(slave)
    seen = ""
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    seen += os.read(master, 65536).decode("utf-8", "replace")
                except OSError:
                    break
                if "Enter your PIN" in ANSI.sub("", seen):
                    return time.perf_counter() - started
        raise RuntimeError(f"kassa tui drew no login screen: {ANSI.sub('', seen)[-500:]!r}")
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        os.close(master)


async def _scans(daemon, barcodes: list[str]) -> list[float]:
    from textual import events

    from tui.api import KassaApi
    from tui.app import KassaApp

    app = KassaApp(KassaApi(daemon.socket, language="en"), poll_seconds=5)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.3)
        await pilot.press(*CASHIER_PIN, "enter")
        deadline = time.monotonic() + 60
        while not (app.current_mode == "sale" and app.screen.query("#cart")):
            if time.monotonic() > deadline:
                raise RuntimeError("the cashier could not log in to the TUI")
            await pilot.pause(0.05)
        await pilot.pause(0.2)
        sale = app.screen
        table = sale.query_one("#cart")
        drawn: dict[int, float] = {}

        async def watch() -> None:
            while len(drawn) < len(barcodes):
                rows = table.row_count
                now = time.perf_counter()
                for number in range(len(drawn) + 1, rows + 1):
                    drawn[number] = now
                await asyncio.sleep(0.001)

        watcher = asyncio.create_task(watch())
        entered = []
        for code in barcodes:
            for char in code:
                app.post_message(events.Key(char, char))
            app.post_message(events.Key("enter", "\r"))
            entered.append(time.perf_counter())
            await asyncio.sleep(0.03)  # a scanner types a 13-digit code and Enter in about 30 ms
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(watcher, 60 + len(barcodes))
    # a scan that never reached the cart counts as never: the row then misses its target
    return [drawn[number + 1] - at if number + 1 in drawn else LOST for number, at in enumerate(entered)]


def cases(quick: bool) -> list[dict]:
    from bench.fixtures import rss_kib, shop
    from tests.fixtures.backoffice import backoffice_server
    from tests.journal.e2e import wait_ready

    size = 10_000 if quick else 100_000
    idle_wait, scans, searches = (5, 50, 150) if quick else (30, 200, 600)
    label = f"{size // 1000}k"
    with tempfile.TemporaryDirectory(prefix="kassa-bench-shop-") as scratch:
        base = Path(scratch)
        with (
            backoffice_server(base, products=size, employees=3) as office,
            shop(base, documents=size, backoffice=office.url) as (_kkt, daemon),
            daemon.client(timeout=300) as client,
        ):
            wait_ready(daemon, timeout=120)
            client.put(
                "/v1/sync/settings", json={"products": "never", "employees": "never", "orders": "never"}
            )
            client.post("/v1/pairing", json={"code": office.code()})
            _sync(client, "employees")
            first = _sync(client, "products")
            peak = rss_kib(daemon.process.pid, "VmHWM") / 1024
            fetch = _fetch_only(office.url, daemon.state_dir)
            yield (
                _row(
                    "catalog-first",
                    f"first catalog sync, {label} products; fetching and parsing the pages alone takes"
                    f" {fetch:.1f} s",
                    round(first, 2),
                    "s",
                    None if quick else 5,  # a tenth of the catalog is not a tenth of the time
                    "<",
                )
            )
            yield (
                _row(
                    "catalog-rss",
                    f"the daemon's peak RSS through the {label} sync",
                    round(peak, 1),
                    "MiB",
                    150,
                    "<",
                )
            )
            _change(office, 100)
            delta = _sync(client, "products")
            yield (
                _row(
                    "catalog-delta", "a delta of 100 changed products", round(delta * 1000, 1), "ms", 100, "<"
                )
            )
            products = office.products()
            times = _search(daemon, _queries(products, searches))
            p50, p99 = _percentile(times, 0.5), _percentile(times, 0.99)
            floor = _percentile(_status_round_trips(daemon, searches), 0.99)
            yield (
                _row(
                    "search-p99",
                    f"search over {label} products (name prefix, code, barcode), p99; p50 {p50 * 1000:.1f}"
                    f" ms; GET /v1/status p99 {floor * 1000:.1f} ms",
                    round(p99 * 1000, 1),
                    "ms",
                    15,
                    "<",
                )
            )
            client.post("/v1/shift/open", json={})
            sold = next(p for p in products if not p["weighted"] and not p["marked"])
            client.post(
                "/v1/receipts",
                json={
                    "lines": [{"code": sold["code"]}],
                    "payments": [{"kind": "card"}],
                    "uuid": str(uuid.uuid4()),
                },
            )
            _sync(client, "products")
            time.sleep(idle_wait)
            idle = rss_kib(daemon.process.pid) / 1024
            libraries = _floor(base) / 1024
            yield (
                _row(
                    "idle-rss",
                    f"the daemon's RSS at rest ({label} products and documents, "
                    f"{idle_wait} s after a sale and a sync); the brief's libraries alone, one table"
                    f" and one route (bench/floor.py): {libraries:.1f} MiB",
                    round(idle, 1),
                    "MiB",
                    80,
                    "<=",
                )
            )
            seconds = _startup(daemon)
            yield (
                _row(
                    "startup",
                    f"kassa run to READY with {label} products and documents",
                    round(seconds, 2),
                    "s",
                    2,
                    "<",
                )
            )
            first_screen = _tui_first_screen(daemon)
            yield (
                _row(
                    "tui-first-screen",
                    "kassa tui to its first drawn screen (pty, 80×24)",
                    round(first_screen, 2),
                    "s",
                    1.5,
                    "<",
                )
            )
            barcodes = [
                p["barcodes"][0] for p in products if p["barcodes"] and not p["weighted"] and not p["marked"]
            ]
            step = max(1, len(barcodes) // scans)
            latencies = asyncio.run(_scans(daemon, barcodes[::step][:scans]))
            yield (
                _row(
                    "scan-to-cart",
                    f"scan to its line in the cart, p99 of {scans} scans at "
                    f"scanner pace; p50 {statistics.median(latencies) * 1000:.0f} ms; "
                    f"{latencies.count(LOST)} lost",
                    round(_percentile(latencies, 0.99) * 1000, 1),
                    "ms",
                    100,
                    "<",
                )
            )
