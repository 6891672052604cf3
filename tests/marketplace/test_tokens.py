"""Rotating refresh tokens: stored before use, one refresher at a time, a crash in between is honest."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from dataclasses import replace

from agent.marketplace.allegro.auth import REASON_INTERRUPTED, REASON_REFUSED
from agent.store.models import MarketplaceAccount
from tests.conftest import REPO
from tests.fixtures.allegro import allegro_config

IMPORT_ONCE = """
import sys
from agent.config import parse_config
from agent.marketplace.service import MarketplaceService
from agent.store import open_store
from agent.store.types import utcnow
state, config, account = sys.argv[1:]
service = MarketplaceService(open_store(state), state, parse_config(config, "test"), clock=utcnow)
print(service.run_account(int(account)))
"""


def token_calls(fake) -> int:
    return sum(1 for call in fake.calls if call[2].startswith("/auth/oauth/token"))


def account_row(reg, account_id) -> MarketplaceAccount:
    with reg.store.read() as session:
        return session.get(MarketplaceAccount, account_id)


def test_an_expired_access_token_is_refreshed_and_the_old_refresh_token_dies(reg, fake):
    account = reg.connect()
    before = reg.service.files.read(account)
    fake.expire_access_tokens()
    form_id = fake.add_order()
    assert reg.service.run_account(account)["ok"]
    after = reg.service.files.read(account)
    assert after.refresh_token != before.refresh_token and not after.refreshing
    assert before.refresh_token not in fake.refresh and after.refresh_token in fake.refresh
    assert fake.refresh_pair(before.refresh_token) is None  # invalid_grant, as Allegro answers
    assert account_row(reg, account).token_expires_at > before.expires()
    assert reg.service.list_accounts()[0]["waiting_orders"] == 1 and form_id


def test_one_refresher_at_a_time(reg, fake):
    account = reg.connect()
    fake.expire_access_tokens()
    stored = reg.service.files.read(account)  # the register's clock says so too
    reg.service.files.write(account, replace(stored, expires_at="2000-01-01T00:00:00+00:00"))
    _connector, api = reg.service.connector(account_row(reg, account))
    calls_before = token_calls(fake)
    tokens: list[str] = []
    threads = [threading.Thread(target=lambda: tokens.append(api.auth.token())) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(tokens) == 6 and len(set(tokens)) == 1
    assert token_calls(fake) - calls_before == 1
    assert account_row(reg, account).state == "connected"
    api.close()


def test_a_crash_between_receiving_and_storing_asks_to_connect_again(reg, fake):
    account = reg.connect("sklep")
    assert reg.service.run_account(account)["ok"]
    stored = reg.service.files.read(account)
    fake.expire_access_tokens()
    env = {"KASSA_TEST_CRASH_AT": "token_received", "PATH": "/usr/bin:/bin"}
    crashed = subprocess.run(
        [sys.executable, "-c", IMPORT_ONCE, str(reg.state_dir), allegro_config(fake), str(account)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    left = reg.service.files.read(account)
    assert left.refreshing and left.refresh_token == stored.refresh_token  # the new pair never landed
    assert stored.refresh_token not in fake.refresh  # ... and Allegro has already rotated it
    meanwhile = fake.add_order("sklep")

    result = reg.service.run_account(account)
    assert not result["ok"] and result["error_code"] == "marketplace_reconnect"
    row = account_row(reg, account)
    assert row.state == "reconnect" and row.reason == REASON_INTERRUPTED
    listed = reg.service.list_accounts()[0]
    assert listed["state"] == "reconnect" and "interrupted" in listed["reason"]
    calls = token_calls(fake)
    assert not reg.service.run_account(account)["ok"]
    assert token_calls(fake) == calls  # no loop: nothing is tried until the account is connected again

    assert reg.connect("sklep") == account  # the seller connects again: the same account goes on
    assert reg.service.run_account(account)["ok"]
    with reg.store.read() as session:
        from sqlmodel import select

        from agent.store.models import MarketplaceOrder

        remote_ids = set(session.exec(select(MarketplaceOrder.remote_id)).all())
    assert meanwhile in remote_ids  # no order was lost meanwhile


def test_a_revoked_grant_names_that_reason(reg, fake):
    account = reg.connect()
    fake.expire_access_tokens()
    fake.refresh.clear()  # the seller unlinked the application on Allegro
    result = reg.service.run_account(account)
    assert result["error_code"] == "marketplace_reconnect"
    assert account_row(reg, account).reason == REASON_REFUSED


def test_tokens_never_reach_the_log(reg, fake, caplog):
    caplog.set_level("DEBUG")
    account = reg.connect()
    fake.expire_access_tokens()
    fake.add_fault("/order/events", 500, times=10)
    reg.service.run_account(account)
    tokens = reg.service.files.read(account)
    text = caplog.text + repr(tokens)
    assert tokens.access_token not in text and tokens.refresh_token not in text
