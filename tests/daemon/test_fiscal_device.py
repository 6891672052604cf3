"""The daemon with the KKT emulator: the register's state in /v1/status, faults, unplug and replug."""

from __future__ import annotations

import time

import pytest

from drivers.profile import PROFILE_DIR
from tests.fixtures.daemon import running_daemon
from tests.fixtures.kkt import kkt_config, kkt_emulator

pytestmark = pytest.mark.skipif(
    not (PROFILE_DIR / "shtrih-m-01f.toml").exists(),
    reason="the shtrih-m-01f profile is not in this tree yet",
)


def wait_for(predicate, timeout: float = 30.0, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what} not reached within {timeout} s (last: {value!r})")


def test_register_state_faults_and_replug(tmp_path):
    with kkt_emulator(tmp_path) as kkt, running_daemon(tmp_path, config=kkt_config(kkt)) as daemon:

        def printer():
            return daemon.status()["printer"]

        ready = wait_for(lambda: (p := printer())["state"] == "ready" and p, what="register ready")
        assert ready["model"] == "ШТРИХ-М-01Ф"
        assert ready["profile"] == "shtrih-m-01f"
        assert ready["port"] == str(kkt.link)
        assert ready["mode"] is not None
        shift = daemon.status()["shift"]
        assert shift is not None and "open" in shift

        kkt.fault("paper-out")
        wait_for(lambda: printer()["message"] == "Out of paper: load a new roll", what="paper-out shown")
        kkt.fault("clear")
        wait_for(lambda: printer()["message"] is None, what="fault cleared")

        kkt.stop()  # unplugged: the pty and its link are gone
        gone = wait_for(lambda: (p := printer())["state"] == "absent" and p, what="absent")
        assert gone["message"]
        kkt.start()
        wait_for(lambda: printer()["state"] == "ready", what="re-opened")
        assert "Traceback" not in daemon.log()


def test_sigterm_lets_the_fiscal_command_in_flight_finish(tmp_path):
    import sqlite3
    import threading

    with kkt_emulator(tmp_path) as kkt, running_daemon(tmp_path, config=kkt_config(kkt)) as daemon:
        wait_for(lambda: daemon.status()["printer"]["state"] == "ready", what="register ready")
        kkt.fault("slow=0.5")  # every answer of the register takes half a second
        answer = {}

        def open_shift():
            with daemon.http(timeout=60) as http:
                answer["response"] = http.post("/v1/shift/open", json={})

        request = threading.Thread(target=open_shift)
        request.start()
        time.sleep(1.0)  # the register is in the middle of opening the shift
        assert "response" not in answer
        started = time.monotonic()
        code = daemon.stop(timeout=60)
        request.join(60)
        stop_seconds = time.monotonic() - started
        log = daemon.log()
        kkt.fault("clear")
        documents = [doc["type"] for doc in kkt.journal()]

    assert code == 0, log
    response = answer["response"]
    assert response.status_code == 201, response.text
    assert "shift_open" in documents
    db = sqlite3.connect(daemon.state_dir / "kassa.db")
    try:
        rows = db.execute("SELECT status FROM fiscal_document WHERE type = 'shift_open'").fetchall()
        assert rows == [("fiscalized",)]
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        db.close()
    assert stop_seconds < 30


def test_port_auto_finds_the_register(tmp_path):
    with kkt_emulator(tmp_path) as kkt:
        config = '[printer]\nport = "auto"\nprofile = "shtrih-m-01f"\n'
        env = {"KASSA_AUTO_PORTS": str(kkt.link)}
        with running_daemon(tmp_path, config=config, env=env) as daemon:
            printer = wait_for(
                lambda: (p := daemon.status()["printer"])["state"] == "ready" and p, what="found"
            )
    assert printer["port"] == str(kkt.link)
    assert printer["model"] == "ШТРИХ-М-01Ф"
