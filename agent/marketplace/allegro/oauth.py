"""Allegro's OAuth endpoints: the device flow (RFC 8628) and refreshing a token pair.

Both endpoints take the application's Basic credentials. Token answers are read into ``Grant``
(never logged); errors come back as the RFC's codes (``authorization_pending``, ``slow_down``,
``access_denied``, ``expired_token``, ``invalid_grant``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from agent import __version__
from agent.backoffice.client import check_url
from agent.i18n import N_
from agent.marketplace import errors
from agent.marketplace.connector import clean
from agent.marketplace.http import Link
from common import outside_json
from common.decimal_text import decimal_of

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
SLOW_DOWN_STEP = 5.0  # seconds added to the poll interval on each slow_down (RFC 8628 section 3.5)
MIN_INTERVAL = 0.05
MAX_INTERVAL = 60.0


@dataclass(frozen=True)
class DeviceGrant:
    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    interval: float
    expires_in: float

    def __repr__(self) -> str:
        return f"DeviceGrant(user_code={self.user_code!r}, interval={self.interval})"


@dataclass(frozen=True)
class Grant:
    access_token: str
    refresh_token: str
    expires_in: int

    def __repr__(self) -> str:
        return f"Grant(expires_in={self.expires_in})"

    def expires_at(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.expires_in)


class InvalidGrant(errors.MarketplaceError):
    code = "invalid_grant"
    message = N_("Allegro refused the refresh token (it was revoked, expired or already used)")
    status = 409


class Pending(Exception):
    """authorization_pending: poll again after the interval."""


class SlowDown(Exception):
    """slow_down: poll less often."""


# how long a device code and an access token live, as Allegro says (10 minutes and 12 hours): bounded,
# so that "inf", "nan" or 10**30 never make a flow that does not end, a validity no datetime holds
# (the connect failed as "internal error" with the seller's approval spent), or a token expired at birth
DEVICE_TTL = (1.0, 3600.0)
TOKEN_TTL = (60, 366 * 86400)


def _number(value: object, default: float, low: float, high: float) -> float:
    """A number of seconds from Allegro (it sends interval and expires_in as strings), within
    ``low``..``high``; ``default`` when it is not a plain number."""
    try:
        number = float(decimal_of(str(value).strip())) if isinstance(value, str | int) else default
    except ValueError:
        number = default
    return min(high, max(low, number))


class OAuthClient:
    def __init__(self, auth_url: str, client_id: str, client_secret: str, *, timeout: float = 15.0,
                 transport: httpx.BaseTransport | None = None):  # fmt: skip
        if not client_id or not client_secret:
            raise errors.NotConfigured(marketplace="allegro")
        self.url = check_url(auth_url)
        self._http = httpx.Client(
            auth=(client_id, client_secret),
            timeout=timeout,
            transport=transport,
            headers={"User-Agent": f"kassa/{__version__}", "Accept": "application/json"},
        )
        self.client_id = client_id
        self.deadline = timeout
        self._link = Link(self._http, "Allegro", self.url)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> OAuthClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _post(self, path: str, data: dict) -> tuple[int, dict]:
        request = self._http.build_request("POST", f"{self.url}{path}", data=data)
        response = self._link.send(request, self.deadline)
        try:
            body = outside_json.loads(response.body)
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        if response.status >= 500 or response.status == 429:
            raise errors.Busy(marketplace="Allegro", http=response.status)
        if response.status == 401:
            raise errors.Refused(
                marketplace="Allegro", http=401, detail="check client_id and client_secret in the config"
            )
        return response.status, body

    def start_device(self) -> DeviceGrant:
        status, body = self._post("/device", {"client_id": self.client_id})
        try:
            if status != 200:
                raise KeyError
            return DeviceGrant(
                device_code=str(body["device_code"]),
                user_code=clean(body["user_code"], 32),
                verification_uri=clean(body.get("verification_uri") or "", 300),
                verification_uri_complete=clean(body.get("verification_uri_complete") or "", 300),
                interval=_number(body.get("interval"), 5.0, MIN_INTERVAL, MAX_INTERVAL),
                expires_in=_number(body.get("expires_in"), 600.0, *DEVICE_TTL),
            )
        except (KeyError, TypeError):
            detail = clean(body.get("error_description") or body.get("error") or f"HTTP {status}", 200)
            raise errors.Refused(marketplace="Allegro", http=status, detail=detail) from None

    def _grant(self, status: int, body: dict) -> Grant:
        try:
            expires_in = int(_number(body.get("expires_in", 43199), 43199, *TOKEN_TTL))
            return Grant(str(body["access_token"]), str(body["refresh_token"]), expires_in)
        except (KeyError, TypeError, ValueError):
            raise errors.Refused(
                marketplace="Allegro", http=status, detail="malformed token answer"
            ) from None

    def poll(self, device_code: str) -> Grant:
        status, body = self._post("/token", {"grant_type": DEVICE_GRANT, "device_code": device_code})
        if status == 200:
            return self._grant(status, body)
        error = body.get("error")
        if error == "authorization_pending":
            raise Pending()
        if error == "slow_down":
            raise SlowDown()
        if error == "access_denied":
            raise errors.DeviceDenied()
        if error in ("expired_token", "invalid_grant"):
            raise errors.DeviceExpired()
        raise errors.Refused(marketplace="Allegro", http=status, detail=clean(error or "", 100))

    def refresh(self, refresh_token: str) -> Grant:
        status, body = self._post("/token", {"grant_type": "refresh_token", "refresh_token": refresh_token})
        if status == 200:
            return self._grant(status, body)
        if body.get("error") == "invalid_grant" or status == 400:
            raise InvalidGrant()
        raise errors.Refused(marketplace="Allegro", http=status, detail=clean(body.get("error") or "", 100))


def wait_for_approval(
    client: OAuthClient,
    grant: DeviceGrant,
    *,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
    cancelled: Callable[[], bool] = lambda: False,
    slow_down_step: float = SLOW_DOWN_STEP,
) -> Grant:
    """Poll at the server's interval (longer after each slow_down) until approved, denied or expired."""
    interval = grant.interval
    deadline = monotonic() + grant.expires_in
    while True:
        sleep(interval)
        if cancelled():
            raise errors.DeviceExpired()
        if monotonic() >= deadline:
            raise errors.DeviceExpired()
        try:
            return client.poll(grant.device_code)
        except Pending:
            continue
        except SlowDown:
            interval = min(MAX_INTERVAL, interval + slow_down_step)
        except (errors.Busy, errors.Unreachable):
            interval = min(MAX_INTERVAL, interval * 2)
