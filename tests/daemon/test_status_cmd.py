"""`kassa status`: a readable summary from the daemon, --json, --check, and exit 3 without a daemon."""

from __future__ import annotations

import json
import re

from agent.cli.status_cmd import attention, render
from tests.conftest import run_kassa


def cli_env(daemon, **extra) -> dict:
    return dict(daemon.env, **extra)


def test_status_summary_json_and_check(shared_daemon):
    daemon = shared_daemon
    text = run_kassa("status", env=cli_env(daemon))
    as_json = run_kassa("status", "--json", env=cli_env(daemon))
    check = run_kassa("status", "--check", env=cli_env(daemon))
    russian = run_kassa("status", env=cli_env(daemon, LANG="ru_RU.UTF-8"))
    assert text.returncode == 0, text.stderr
    assert "Store:" in text.stdout and "ok" in text.stdout
    assert "Fiscal register:" in text.stdout and "not configured" in text.stdout
    data = json.loads(as_json.stdout)
    assert {"paired", "printer", "shift", "queue", "streams", "products"} <= set(data)
    # the printer is not configured: that needs attention
    assert check.returncode == 1
    assert "Needs attention:" in check.stdout
    assert "fiscal register: not configured" in check.stdout
    assert "Фискальный регистратор:" in russian.stdout
    assert "не настроен" in russian.stdout


def test_status_without_a_daemon_exits_3(clean_env):
    result = run_kassa("status", env=clean_env)
    assert result.returncode == 3
    assert "the kassa daemon is not running" in result.stderr
    assert "Traceback" not in result.stderr


HEALTHY = {
    "version": "1.0",
    "paired": True,
    "pairing": {
        "organization": "ООО «Ромашка»",
        "store": "Main",
        "backoffice_url": "https://bo",
        "needs_repair": False,
    },
    "store": {
        "ok": True,
        "checked_at": "2026-11-23T06:00:00+00:00",
        "problem": None,
        "path": "/var/lib/kassa/kassa.db",
    },
    "printer": {
        "state": "ready",
        "model": "ШТРИХ-М-01Ф",
        "profile": "shtrih-m-01f",
        "port": "/dev/ttyUSB0",
        "mode": 2,
        "message": None,
    },
    "receipt_printer": None,
    "shift": {
        "open": True,
        "number": 12,
        "opened_at": "2026-11-23T06:00:00+00:00",
        "hours_left": 14.5,
        "expired": False,
    },
    "queue": {"depth": 2, "oldest_age_seconds": 300},
    "streams": {
        "products": {
            "interval": 900,
            "last_success": "2026-11-23T10:00:00+00:00",
            "last_error": None,
            "next_run": "2026-11-23T10:15:00+00:00",
            "items_moved": 3,
        }
    },
    "products": {"count": 120, "product_sync": True},
    "fn": {"unsent": 0, "oldest_unsent_at": None, "days_left": None},
}


def test_a_healthy_register_needs_nothing():
    assert attention(HEALTHY) == []
    text = render(HEALTHY)
    assert "paired with ООО «Ромашка», store Main (https://bo)" in text
    assert "open, number 12" in text and "14.5 h left before the 24-hour limit" in text
    assert "2 documents to upload, the oldest waits 5 minutes" in text
    assert "every 15 minutes" in text


def test_what_needs_attention():
    status = json.loads(json.dumps(HEALTHY))
    status["shift"].update(hours_left=0.5)
    status["queue"].update(oldest_age_seconds=7200)
    status["fn"].update(unsent=40, oldest_unsent_at="2026-10-30T10:00:00+00:00", days_left=3)
    status["printer"].update(message="out of paper")
    status["streams"]["products"].update(last_error="the back office does not answer")
    problems = attention(status)
    assert len(problems) == 5
    assert "sync of products failed: the back office does not answer" in problems
    assert any("24 hours in 0.5 h" in problem for problem in problems)
    assert any("the oldest waits 2 hours" in problem for problem in problems)
    assert any("3 days left before the FN blocks" in problem for problem in problems)
    assert any("out of paper" in problem for problem in problems)


def test_the_store_being_checked_is_not_a_problem_a_failed_check_is():
    status = json.loads(json.dumps(HEALTHY))
    status["store"].update(ok=None, checked_at=None)
    assert attention(status) == []
    assert re.search(r"^Store: +being checked$", render(status), re.M)
    status["store"].update(ok=False, checked_at="2026-11-23T06:00:00+00:00", problem="page 7 is never used")
    assert attention(status) == ["the store failed its check: /var/lib/kassa/kassa.db"]
    assert re.search(r"^Store: +FAILED its check$", render(status), re.M)


def test_a_cash_move_the_register_could_not_confirm_needs_a_person():
    status = json.loads(json.dumps(HEALTHY))
    message = (
        "the register cannot confirm whether this cash move was made: count the cash in the drawer "
        "against an X report; if it was not made, make it again as a new cash move"
    )
    status["attention"] = [
        {"uuid": "u-1", "type": "cash_out", "total": 5000, "created_at": None, "message": message}
    ]
    (problem,) = attention(status)
    assert problem.startswith("cash out of 50.00") and "(u-1) needs a person" in problem
    assert "count the cash in the drawer" in problem
    assert problem in render(status)
