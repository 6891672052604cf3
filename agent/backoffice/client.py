"""An httpx client of back-office protocol v1: one method per endpoint, typed errors for each failure.

Plain HTTP is accepted only for loopback addresses (a reference back office on this machine);
anything else must be HTTPS with a verified certificate (optionally against [backoffice] ca_bundle).
Pages are fetched one at a time with a bounded ``limit``, so a 100,000-product catalog never sits
in memory at once. The bearer token is never logged or put into an error message.
"""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from agent import __version__
from agent.backoffice import errors
from agent.backoffice.codes import normalize_code

PAGE_LIMIT = 500


@dataclass(frozen=True)
class RegisterIdentity:
    """What the register tells the back office about itself when pairing (read from the fiscal device)."""

    kkt_serial: str
    kkt_model: str
    fn_serial: str
    inn: str


@dataclass(frozen=True)
class PairResult:
    register_id: str
    token: str
    organization_name: str
    organization_inn: str
    store: dict

    def __repr__(self) -> str:  # the token stays out of logs and tracebacks
        return f"PairResult(register_id={self.register_id!r}, organization={self.organization_name!r})"


@dataclass(frozen=True)
class Page:
    items: list[dict]
    next: str | None
    more: bool


def check_url(url: str | None) -> str:
    """The base URL without a trailing slash; plain http only for loopback hosts."""
    if not url:
        raise errors.NoBackofficeUrl()
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise errors.InsecureUrl(url=url)
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise errors.InsecureUrl(url=url)
    return url.strip().rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_tls_error(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return True
        if any(word in str(seen) for word in ("CERTIFICATE_VERIFY_FAILED", "SSL:", "WRONG_VERSION_NUMBER")):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _error_code(response: httpx.Response) -> tuple[str, str]:
    try:
        error = response.json()["error"]
        return str(error.get("code", "")), str(error.get("message", ""))
    except (ValueError, KeyError, TypeError):
        return "", response.text[:200]


class BackofficeClient:
    """One back office. ``token`` is None only for pairing."""

    def __init__(
        self,
        url: str | None,
        token: str | None = None,
        *,
        ca_bundle: Path | str | None = None,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ):
        self.url = check_url(url)
        verify: Any = True
        if ca_bundle:
            verify = ssl.create_default_context(cafile=str(ca_bundle))
        headers = {"User-Agent": f"kassa/{__version__}"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.Client(
            base_url=self.url, headers=headers, timeout=timeout, verify=verify, transport=transport
        )
        self.stop_requested: Callable[[], bool] = lambda: False  # checked between pages and batches

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> BackofficeClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- transport -------------------------------------------------------------------------
    def _request(self, method: str, path: str, **kwargs) -> httpx.Response:
        if self.stop_requested():
            raise errors.Stopped()
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            detail = type(exc).__name__
            if _is_tls_error(exc):
                raise errors.TlsFailure(url=self.url, detail=_tls_detail(exc)) from None
            raise errors.Unreachable(url=self.url, detail=detail) from None
        if response.status_code == 401:
            raise errors.Unauthorized()
        if response.status_code == 429:
            raise errors.RateLimited(seconds=_retry_after(response))
        return response

    def _json(self, response: httpx.Response) -> Any:
        if response.status_code >= 400:
            code, message = _error_code(response)
            raise errors.ServerError(detail=f"HTTP {response.status_code} {code} {message}".strip())
        try:
            return response.json()
        except ValueError:
            raise errors.ServerError(detail="not JSON") from None

    # -- endpoints -------------------------------------------------------------------------
    def pair(self, code: str, register: RegisterIdentity) -> PairResult:
        """Exchange a one-time sync code for credentials; a mistyped code never leaves the register."""
        code = normalize_code(code)
        body = {
            "code": code,
            "register": {
                "kkt_serial": register.kkt_serial,
                "kkt_model": register.kkt_model,
                "fn_serial": register.fn_serial,
                "inn": register.inn,
                "agent_version": __version__,
            },
        }
        response = self._request("POST", "/api/v1/registers/pair", json=body)
        status = response.status_code
        if status == 404:
            raise errors.CodeUnknown()
        if status == 410:
            raise errors.CodeExpired()
        if status == 409:
            raise errors.InnMismatch(inn=register.inn)
        if status == 422:
            raise errors.MistypedCode()
        data = self._json(response)
        try:
            return PairResult(
                register_id=str(data["register_id"]),
                token=str(data["token"]),
                organization_name=str(data["organization"]["name"]),
                organization_inn=str(data["organization"].get("inn", "")),
                store=dict(data.get("store") or {}),
            )
        except (KeyError, TypeError):
            raise errors.ServerError(detail="malformed pairing answer") from None

    def _page(self, path: str, since: str | None, limit: int | None) -> Page:
        params: dict[str, Any] = {}
        if since:
            params["since"] = since
        if limit:
            params["limit"] = limit
        response = self._request("GET", path, params=params)
        if response.status_code == 410:
            raise errors.CursorExpired()
        data = self._json(response)
        return Page(items=list(data.get("items") or []), next=data.get("next"), more=bool(data.get("more")))

    def catalog_page(self, since: str | None, limit: int = PAGE_LIMIT) -> Page:
        return self._page("/api/v1/catalog", since, limit)

    def employees_page(self, since: str | None, limit: int = PAGE_LIMIT) -> Page:
        return self._page("/api/v1/employees", since, limit)

    def orders_page(self, since: str | None, limit: int = PAGE_LIMIT) -> Page:
        return self._page("/api/v1/orders", since, limit)

    def pages(self, stream: str, since: str | None, limit: int = PAGE_LIMIT) -> Iterator[Page]:
        """Pages of ``catalog`` | ``employees`` | ``orders`` from ``since`` until ``more`` is false."""
        fetch = {"catalog": self.catalog_page, "employees": self.employees_page, "orders": self.orders_page}
        while True:
            page = fetch[stream](since, limit)
            yield page
            if not page.more or not page.next or page.next == since:
                return
            since = page.next

    def send_documents(self, documents: list[dict]) -> list[dict]:
        """Upload fiscal documents; one result per uuid: accepted | duplicate | conflict | rejected."""
        data = self._json(self._request("POST", "/api/v1/documents", json={"documents": documents}))
        results = data.get("results") if isinstance(data, dict) else None
        if not isinstance(results, list):
            raise errors.ServerError(detail="malformed documents answer")
        return results

    def order_status(self, order_id: str, status: str, receipt_uuid: str | None, reason: str | None) -> None:
        body = {"status": status, "receipt_uuid": receipt_uuid, "reason": reason}
        self._json(self._request("POST", f"/api/v1/orders/{order_id}/status", json=body))

    def heartbeat(self, printer: str, queue_depth: int) -> None:
        body = {"printer": printer, "queue_depth": queue_depth, "agent_version": __version__}
        self._json(self._request("POST", "/api/v1/heartbeat", json=body))


def _retry_after(response: httpx.Response) -> int:
    try:
        return max(1, int(float(response.headers.get("Retry-After", "60"))))
    except ValueError:
        return 60


def _tls_detail(exc: BaseException) -> str:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return getattr(seen, "verify_message", None) or getattr(seen, "reason", None) or str(seen)
        seen = seen.__cause__ or seen.__context__
    return str(exc)[:120]
