"""The whole path as a user meets it: `kassa marketplace add allegro` against a running daemon and the
fake Allegro, orders imported as a sync stream, fiscalized on the emulated register exactly once
even under a SIGKILL, and the fulfillment reported to Allegro after the restart."""

from __future__ import annotations

import contextlib
import subprocess
import time

import httpx
import pytest

from agent.client import DaemonError
from agent.journal.crash import ENV
from agent.store import DATABASE_NAME, Store
from agent.store.models import Product
from tests.conftest import KASSA, REPO
from tests.fixtures.allegro import allegro_config, fake_allegro
from tests.fixtures.daemon import running_daemon
from tests.fixtures.kkt import kkt_config, kkt_emulator
from tests.journal.e2e import restart_after_kill, wait_ready

pytestmark = pytest.mark.slow


def wait_for(check, timeout: float = 20.0, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s: {what}")


def test_connect_import_and_settle_once_under_a_kill(tmp_path):
    with (
        fake_allegro() as fake,
        kkt_emulator(tmp_path) as kkt,
        running_daemon(tmp_path, config=kkt_config(kkt) + allegro_config(fake)) as daemon,
    ):
        wait_ready(daemon)
        with contextlib.closing(Store(daemon.state_dir / DATABASE_NAME)) as store, store.write() as session:
            session.add(Product(code="KUBEK-1", name="Kubek", price=1250, tax="vat20"))

        # the seller refuses: the CLI says so and exits 3
        refused = subprocess.Popen(
            [*KASSA, "marketplace", "add", "allegro"],
            env=daemon.env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        denied = wait_for(lambda: next(iter(fake.devices.values()), None), what="a device code")
        fake.decide(denied.user_code, False)
        _out, err = refused.communicate(timeout=30)
        assert refused.returncode == 3 and "refused" in err
        fake.devices.clear()

        # connect: the CLI prints the link, the code and a QR, and waits for the seller
        add = subprocess.Popen(
            [*KASSA, "marketplace", "add", "allegro", "--name", "Sklep"],
            env=daemon.env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        code = wait_for(lambda: next(iter(fake.devices.values()), None), what="a device code").user_code
        fake.decide(code, True, "sklep")
        out, err = add.communicate(timeout=30)
        assert add.returncode == 0, err
        assert f"skojarz-aplikacje?code={code}" in out and code in out and "█" in out

        form_id = fake.add_order(
            "sklep", lines=[("KUBEK-1", "Kubek", 2, "12.50")], email="jan@allegromail.pl"
        )
        with daemon.client() as client:
            results = client.post("/v1/marketplace/import", json={})["results"]
            assert [result["ok"] for result in results] == [True]
            order = next(item for item in client.get("/v1/orders")["items"] if item["remote_id"] == form_id)
            assert order["status"] == "waiting" and order["total"] == 2500 and order["unmatched"] == []
            accounts = client.get("/v1/marketplace/accounts")["items"]
            assert accounts[0]["name"] == "Sklep" and accounts[0]["state"] == "connected"
            assert f"orders.allegro.{accounts[0]['id']}" in client.get("/v1/status")["streams"]

        # the daemon dies after the register closed the receipt, before the journal wrote it down
        with daemon.client(timeout=60) as client:
            client.post("/v1/shift/open", json={})  # so the kill hits the sale, not the shift's opening
        receipts_before = len(kkt.receipts())
        restart_after_kill(daemon, {ENV: "after_close"})
        with daemon.client(timeout=60) as client, pytest.raises((DaemonError, httpx.HTTPError)):
            client.post(f"/v1/orders/{order['id']}/fiscalize", json={})
        assert daemon.process.wait(30) == -9
        restart_after_kill(daemon, {ENV: None})

        with daemon.client() as client:
            client.post("/v1/marketplace/import", json={})
            settled = next(item for item in client.get("/v1/orders")["items"] if item["id"] == order["id"])
            assert settled["status"] == "fiscalized"
            again = client.post(f"/v1/orders/{order['id']}/fiscalize", json={})
            assert again["replayed"]
        receipts = kkt.receipts()[receipts_before:]
        assert len(receipts) == 1 and receipts[0]["total"] == 2500
        assert "jan@allegromail.pl" in str(receipts[0]["tags"])  # tag 1008
        assert fake.fulfillments == [(form_id, "PROCESSING")]

        # an account that settles paid orders by itself: imported, fiscalized, reported, untouched
        account_id = str(accounts[0]["id"])
        changed = subprocess.run(
            [*KASSA, "marketplace", "set", account_id, "--auto-fiscalize", "on", "--pay", "cash"],
            env=daemon.env, cwd=REPO, capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        assert changed.returncode == 0, changed.stderr
        paid = fake.add_order("sklep", lines=[("KUBEK-1", "Kubek", 1, "12.50")])
        again_cli = subprocess.run(
            [*KASSA, "marketplace", "import"],
            env=daemon.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert again_cli.returncode == 0 and "orders imported" in again_cli.stdout, again_cli.stderr
        wait_for(
            lambda: (paid, "PROCESSING") in fake.fulfillments, what="the paid order settled and reported"
        )
        assert len(kkt.receipts()) == receipts_before + 2
        assert kkt.receipts()[-1]["total"] == 1250
        listed = subprocess.run(
            [*KASSA, "marketplace", "list"],
            env=daemon.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert listed.returncode == 0 and "Sklep" in listed.stdout and "connected" in listed.stdout
