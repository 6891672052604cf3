"""The FN's end of life and the OFD's 30 days, warned days ahead on the FN's own clock."""

from __future__ import annotations

import time

from tests.conftest import run_kassa
from tests.fixtures.daemon import running_daemon
from tests.fixtures.kkt import kkt_config, kkt_emulator
from tests.journal.e2e import wait_ready


def fn_status(daemon, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fn = daemon.status().get("fn")
        if fn and fn.get("clock"):
            return fn
        time.sleep(0.2)
    raise AssertionError(daemon.log()[-3000:])


def test_an_fn_near_its_end_and_a_lost_ofd_are_warned_days_ahead(tmp_path):
    with kkt_emulator(tmp_path, options=("--timezone", "Asia/Vladivostok")) as kkt:
        kkt.fault("time+720")  # the register's clock is 30 days ahead of ours
        kkt.fault("fn-expires-in=12")
        kkt.fault("ofd-lost=27")
        config = kkt_config(kkt) + 'timezone = "Asia/Vladivostok"\n'
        with running_daemon(tmp_path, config=config) as daemon:
            fn = fn_status(daemon)
            assert fn["clock"].endswith("+10:00")  # the FN's wall clock, read in its zone
            assert fn["expires_in_days"] == 12 and fn["tax_systems"] == ["usn_income"]
            codes = {warning["code"]: warning.get("days") for warning in fn["warnings"]}
            assert codes["fn_expires"] == 12 and codes["fn_replace_soon"] is None
            assert codes["ofd_timeout"] is None
            text = run_kassa("status", env=daemon.env)
            check = run_kassa("status", "--check", env=daemon.env)
            russian = run_kassa("status", env=dict(daemon.env, LANG="ru_RU.UTF-8"))
    assert "FN valid until" in text.stdout and "(12 days)" in text.stdout
    assert "simplified, income (УСН доход)" in text.stdout
    assert check.returncode == 1 and "the FN's keys end in 12 days: order a new FN" in check.stdout
    assert "the FN must be replaced within 30 days" in check.stdout
    assert "ФН действует до" in russian.stdout


def test_the_thirty_days_count_on_the_fns_clock(tmp_path):
    with kkt_emulator(tmp_path) as kkt:
        kkt.fault("ofd-offline")
        with running_daemon(tmp_path, config=kkt_config(kkt)) as daemon:
            wait_ready(daemon)
            with daemon.client() as client:
                client.post("/v1/shift/open", json={})  # a document the OFD never gets
            kkt.fault("time+650")  # 27 days on the register; our clock has not moved
            daemon.restart()  # polls the FN at once
            fn = fn_status(daemon)
            text = run_kassa("status", "--check", env=daemon.env)
    assert fn["unsent"] == 1 and fn["days_left"] == 3
    assert {"code": "ofd_days_left", "days": 3} in fn["warnings"]
    assert "3 days left before the FN blocks" in text.stdout


def test_the_summary_counts_on_the_fn_clock_and_clamps():
    from datetime import UTC, date, datetime, timedelta
    from types import SimpleNamespace
    from zoneinfo import ZoneInfo

    from agent.fn_state import fn_summary
    from drivers.fiscal_register import FnStatus, OfdStatus

    fn_clock = datetime(2026, 12, 31, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    first = (fn_clock - timedelta(days=26)).astimezone(UTC)
    handle = SimpleNamespace(
        last_ofd=OfdStatus(unsent=4, first_unsent_fd=9, first_unsent_at=first),
        last_fn=FnStatus("1", 12, True, 3, False, ("ofd_timeout",), fn_clock, date(2027, 1, 20), ("osn",)),
    )
    pc_clock_far_behind = lambda: fn_clock - timedelta(days=40)  # noqa: E731
    summary = fn_summary(handle, pc_clock_far_behind)
    assert summary["days_left"] == 4 and summary["expires_in_days"] == 20
    assert summary["warnings"] == [
        {"code": "ofd_timeout"},
        {"code": "ofd_days_left", "days": 4},
        {"code": "fn_expires", "days": 20},
    ]
    future = SimpleNamespace(last_ofd=OfdStatus(1, 9, fn_clock + timedelta(days=3)), last_fn=handle.last_fn)
    assert fn_summary(future, pc_clock_far_behind)["days_left"] == 30  # a clock set back: never over 30
