"""Connecting an account by the device flow, against the fake Allegro over HTTP."""

from __future__ import annotations

import itertools
import stat
import time
from datetime import timedelta

import pytest
from sqlmodel import select

from agent.marketplace import errors
from agent.marketplace.allegro.oauth import OAuthClient, wait_for_approval
from agent.store.models import MarketplaceAccount
from agent.store.types import utcnow


def test_approved_flow_stores_the_pair_privately(reg, fake):
    flow = reg.service.start_connect("allegro", "Sklep")
    assert flow["state"] == "pending" and flow["user_code"]
    assert flow["verification_uri_complete"].endswith(flow["user_code"])
    assert len(flow["qr"]) > 10 and all(len(row) == len(flow["qr"][0]) for row in flow["qr"])
    code = next(iter(fake.devices.values()))
    deadline = time.monotonic() + 10
    while len(code.polls) < 2:  # a few polls while the seller reads the page
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert fake.decide(flow["user_code"], True, "sklep")
    done = reg.wait_flow(flow["id"])
    assert done["state"] == "connected"
    path = reg.service.files.path(done["account"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    with reg.store.read() as session:
        account = session.get(MarketplaceAccount, done["account"])
    assert account.name == "Sklep" and account.state == "connected" and account.interval == 300
    polls = code.polls
    gaps = [b - a for a, b in itertools.pairwise(polls)]
    assert len(polls) >= 3 and min(gaps) >= 0.09  # at the server's interval (0.1 s), never faster


def test_denied_flow_fails_with_the_reason(reg, fake):
    flow = reg.service.start_connect("allegro", None)
    fake.decide(flow["user_code"], False)
    done = reg.wait_flow(flow["id"])
    assert done["state"] == "failed" and done["error"]["code"] == "device_denied"
    with reg.store.read() as session:
        assert session.exec(select(MarketplaceAccount)).first() is None


def test_expired_flow_fails_with_the_reason(reg, fake):
    fake.device_ttl = 0.4
    flow = reg.service.start_connect("allegro", None)
    done = reg.wait_flow(flow["id"])
    assert done["state"] == "failed" and done["error"]["code"] == "device_expired"


def test_slow_down_lengthens_the_interval(reg, fake):
    with OAuthClient(f"{fake.url}/auth/oauth", fake.client_id, fake.client_secret) as client:
        grant = client.start_device()
        code = fake.devices[grant.device_code]
        code.slow_downs = 2
        fake.decide(grant.user_code, True)
        wait_for_approval(client, grant, slow_down_step=0.2)
    gaps = [b - a for a, b in zip(code.polls, code.polls[1:], strict=False)]
    assert len(code.polls) == 3
    assert gaps[0] >= 0.28 and gaps[1] >= 0.48  # 0.1 + 0.2, then 0.1 + 0.2 + 0.2


def test_wrong_client_secret_is_a_clear_error(reg, fake):
    with pytest.raises(errors.Refused) as caught:
        OAuthClient(f"{fake.url}/auth/oauth", fake.client_id, "wrong").start_device()
    assert "client_secret" in caught.value.text


def test_missing_client_credentials_name_the_config_keys():
    with pytest.raises(errors.NotConfigured) as caught:
        OAuthClient("https://allegro.pl/auth/oauth", "", "")
    assert "client_id" in caught.value.text


@pytest.mark.parametrize(
    ("device_ttl", "token_ttl"),
    [("inf", 10**30), ("nan", "-5"), ("1e400", "NaN")],
    ids=["inf", "nan-negative", "huge-text"],
)
def test_lifetimes_allegro_cannot_mean_are_bounded_and_the_account_connects(reg, fake, device_ttl, token_ttl):
    """A device code's "inf" lifetime made the flow's view raise (int of infinity) and the flow never
    end on its own; a token's 10**30 seconds raised out of the validity's datetime, so the connect failed
    as "internal error" with the seller's approval spent; a negative one made a token expired at birth."""
    fake.device_ttl, fake.token_ttl = device_ttl, token_ttl
    flow = reg.service.start_connect("allegro", "Sklep")
    assert 0 < flow["expires_in"] <= 3600
    assert fake.decide(flow["user_code"], True, "sklep")
    done = reg.wait_flow(flow["id"])
    assert done["state"] == "connected", done
    with reg.store.read() as session:
        account = session.get(MarketplaceAccount, done["account"])
    left = account.token_expires_at - utcnow()
    assert timedelta(seconds=50) < left <= timedelta(days=366), left
