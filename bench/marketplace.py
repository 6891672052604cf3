"""Importing 100 new Allegro orders from the fake Allegro over loopback HTTP: API calls and seconds.

Two shapes of the same 100 orders (3 events each: BOUGHT, FILLED_IN, READY_FOR_PROCESSING):
- *fresh*: the orders are still ``fulfillment.status=NEW``, so the sweep lists them whole (100 a page)
  and the events need no order reads of their own;
- *events only*: the seller moved them on elsewhere, so only the event journal names them and each
  is read with ``GET /order/checkout-forms/{id}``.
The baseline is the naive import: every event page, then one read per event that names an order.
"""

from __future__ import annotations

import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

ORDERS = 100
IDS = tuple(
    f"allegro_import_{kind}_{shape}" for kind in ("calls", "seconds") for shape in ("fresh", "events_only")
)


def _serve(fake):
    import uvicorn

    from sim.allegro.app import create_app

    sock = socket.create_server(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(fake), log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    fake.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    return server, thread


def _register(fake, state_dir: Path):
    from agent.config import parse_config
    from agent.marketplace.service import MarketplaceService
    from agent.store import open_store
    from agent.store.types import utcnow

    config = parse_config(
        f'[shop]\ncurrency = "PLN"\n[marketplaces.allegro]\napi_url = "{fake.url}"\n'
        f'auth_url = "{fake.url}/auth/oauth"\nclient_id = "{fake.client_id}"\n'
        f'client_secret = "{fake.client_secret}"\n',
        "bench",
    )
    service = MarketplaceService(open_store(state_dir), state_dir, config, clock=utcnow)
    flow = service.start_connect("allegro", "bench")
    fake.decide(flow["user_code"], True, "bench")
    while service.flow_view(flow["id"])["state"] == "pending":
        time.sleep(0.02)
    return service, service.flow_view(flow["id"])["account"]


def _naive(fake, token: str) -> tuple[int, float]:
    import httpx

    headers = {"Accept": "application/vnd.allegro.public.v1+json", "Authorization": f"Bearer {token}"}
    calls, cursor = 0, None
    started = time.perf_counter()
    with httpx.Client(base_url=fake.url, headers=headers, timeout=20) as http:
        while True:
            params = {"limit": 100, **({"from": cursor} if cursor else {})}
            events = http.get("/order/events", params=params).json()["events"]
            calls += 1
            for event in events:
                http.get(f"/order/checkout-forms/{event['order']['checkoutForm']['id']}")
                calls += 1
            if len(events) < 100:
                break
            cursor = events[-1]["id"]
    return calls, time.perf_counter() - started


def _run(events_only: bool) -> tuple[dict, tuple[int, float]]:
    from sim.allegro.state import FakeAllegro

    fake = FakeAllegro(interval=0.05)
    server, thread = _serve(fake)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            service, account = _register(fake, Path(scratch))
            assert service.run_account(account)["ok"]  # the first import sets the cursor at the latest event
            for number in range(ORDERS):
                form_id = fake.add_order("bench", lines=[(f"SKU-{number}", "Oferta", 1, "19.99")])
                if events_only:
                    fake.orders["bench"][form_id]["fulfillment"]["status"] = "PROCESSING"
            started = time.perf_counter()
            result = service.run_account(account)
            result["seconds"] = time.perf_counter() - started
            assert result["ok"] and result["stored"] >= ORDERS, result
            naive = _naive(fake, service.files.read(account).access_token)
            service.store.close()
            return result, naive
    finally:
        server.should_exit = True
        thread.join(10)


def cases(quick: bool) -> list[dict]:
    out = []
    for label, events_only in (("fresh", False), ("events only", True)):
        result, (naive_calls, naive_seconds) = _run(events_only)
        key = label.replace(" ", "_")
        out.append(
            {
                "id": f"allegro_import_calls_{key}",
                "name": f"Allegro import of {ORDERS} orders ({label}): API calls",
                "value": result["calls"],
                "unit": "calls",
                "baseline": "one read per event",
                "baseline_value": naive_calls,
                "target": "<= 110",
            }
        )
        out.append(
            {
                "id": f"allegro_import_seconds_{key}",
                "name": f"Allegro import of {ORDERS} orders ({label}): seconds (bound: one import interval)",
                "value": round(result["seconds"], 3),
                "unit": "s",
                "baseline": "one read per event, no storing",
                "baseline_value": round(naive_seconds, 3),
                "target": "< 300",
            }
        )
    return out


if __name__ == "__main__":
    for case in cases(quick=False):
        print(case)
