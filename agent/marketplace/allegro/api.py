"""Allegro's REST API for one account: every call with the public media type, a bearer token and a
whole-request deadline (``agent.marketplace.http``); 429 and 5xx are retried with backoff
(Retry-After honoured, at most ``MAX_WAIT``), then given up until the next import.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from agent import __version__
from agent.backoffice.client import check_url
from agent.marketplace import errors
from agent.marketplace.allegro.auth import AccountAuth
from agent.marketplace.connector import clean
from agent.marketplace.http import Answer, Link
from common import outside_json

MEDIA_TYPE = "application/vnd.allegro.public.v1+json"
RETRIES = 3
MAX_WAIT = 30.0  # seconds: the longest Retry-After honoured within one import


class AllegroApi:
    def __init__(
        self,
        api_url: str,
        auth: AccountAuth,
        *,
        deadline: float = 20.0,
        retries: int = RETRIES,
        sleep: Callable[[float], None] = time.sleep,
        stop: Callable[[], bool] = lambda: False,
        transport: httpx.BaseTransport | None = None,
    ):
        self.url = check_url(api_url)
        self.auth = auth
        self.deadline = deadline
        self.retries = retries
        self.sleep = sleep
        self.stop = stop
        self.calls = 0  # requests sent, retries included
        self._http = httpx.Client(
            base_url=self.url,
            transport=transport,
            headers={"User-Agent": f"kassa/{__version__}", "Accept": MEDIA_TYPE},
        )
        self._link = Link(self._http, "Allegro", self.url)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> AllegroApi:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- transport -------------------------------------------------------------------------------
    def _once(self, method: str, path: str, token: str, **kwargs) -> Answer:
        headers = {"Authorization": f"Bearer {token}"}
        if "json" in kwargs:
            headers["Content-Type"] = MEDIA_TYPE
        request = self._http.build_request(method, path, headers=headers, **kwargs)
        self.calls += 1
        return self._link.send(request, self.deadline)

    def abort(self) -> None:
        """From another thread (shutdown): end the call in flight now and every later one."""
        self._link.cut()

    def request(self, method: str, path: str, **kwargs) -> tuple[int, Any]:
        """(status, parsed JSON or None). 401 refreshes the token once; 429/5xx back off and retry."""
        refreshed = False
        attempt = 0
        while True:
            if self.stop():
                raise errors.MarketplaceError(detail="stopping")
            answer = self._once(method, path, self.auth.token(force=False), **kwargs)
            status = answer.status
            if status == 401 and not refreshed:
                refreshed = True
                self.auth.token(force=True)
                continue
            if status == 429 or status >= 500:
                attempt += 1
                if attempt > self.retries:
                    raise errors.Busy(marketplace="Allegro", http=status)
                self.sleep(min(MAX_WAIT, _retry_after(answer.headers, attempt)))
                continue
            return status, _json(answer.body)

    def get(self, path: str, params: dict | None = None) -> Any | None:
        """The JSON answer, or None on 404 (a merged purchase, a removed order)."""
        status, data = self.request("GET", path, params=params or {})
        if status == 404:
            return None
        if status >= 400:
            raise errors.Refused(marketplace="Allegro", http=status, detail=_error_text(data))
        if not isinstance(data, dict):
            raise errors.Refused(marketplace="Allegro", http=status, detail="not a JSON object")
        return data

    def put(self, path: str, body: dict, params: dict | None = None) -> int:
        status, data = self.request("PUT", path, json=body, params=params or {})
        if status >= 400 and status != 404:
            raise errors.Refused(marketplace="Allegro", http=status, detail=_error_text(data))
        return status


def _retry_after(headers: httpx.Headers, attempt: int) -> float:
    try:
        return max(0.0, float(headers.get("Retry-After", "")))
    except ValueError:
        return float(2**attempt)


def _json(body: bytes) -> Any:
    if not body:
        return None
    try:
        return outside_json.loads(body)
    except ValueError:
        return None


def _error_text(data: Any) -> str:
    """Allegro's ``{"errors": [{"code", "message", "userMessage"}]}`` as one plain line."""
    if isinstance(data, dict):
        items = data.get("errors")
        if isinstance(items, list) and items and isinstance(items[0], dict):
            first = items[0]
            return clean(first.get("userMessage") or first.get("message") or first.get("code"), 200)
        if data.get("error"):
            return clean(data.get("error_description") or data.get("error"), 200)
    return ""


class StaticToken:
    """A token source for one call with a token just received (before an account exists)."""

    def __init__(self, access_token: str):
        self._token = access_token

    def token(self, *, force: bool = False) -> str:
        return self._token


def whoami(api: AllegroApi) -> tuple[str, str]:
    """(seller id, login) of the token's account: ``GET /me``."""
    data = api.get("/me") or {}
    return clean(data.get("id"), 64), clean(data.get("login"), 64)
