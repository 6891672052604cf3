"""An httpx client of back-office protocol v1: one method per endpoint, typed errors for each failure.

Plain HTTP is accepted only for loopback addresses (a reference back office on this machine);
anything else must be HTTPS with a verified certificate (optionally against [backoffice] ca_bundle).
Pages are fetched one at a time with a bounded ``limit``, so a 100,000-product catalog never sits
in memory at once. The bearer token is never logged or put into an error message, and an address's
``user:password@`` is shown as ``user:***@`` (``display_url``).

A back office is not trusted to be fast or small: every request goes through
``agent.http_exchange.exchange`` with a whole-request deadline (the configured ``timeout``) and a
``MAX_ANSWER`` cap; ``abort()`` breaks the request in flight from another thread at shutdown. Path
segments built from outside data are escaped.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import ssl
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx

from agent import __version__
from agent.backoffice import errors
from agent.backoffice.codes import normalize_code
from agent.config.tls import tls_context
from agent.http_exchange import Answer, Breaker, Broken, DeadlinePassed, TooLarge, exchange, segment
from agent.i18n import N_
from agent.terminal_text import printable
from common import outside_json

PAGE_LIMIT = 500
# a page's "remaining": no catalog, staff list or order feed comes near a billion changes; a count
# past it (JSON integers have no limit) is not believed, so the progress says "unknown" instead of a
# time left of 10**20 years, or a division no float holds
MAX_REMAINING = 10**9
NOT_JSON = N_("the back office at {url} answered with something that is not JSON: check the address")
MALFORMED_PAGE = N_("the back office at {url} sent a page the register cannot read (not protocol v1)")
MALFORMED_PAIRING = N_("the back office at {url} answered the pairing in a form the register cannot read")
MALFORMED_DOCUMENTS = N_("the back office at {url} answered the upload in a form the register cannot read")
MAX_ANSWER = 4 * 2**20  # bytes: a page of 1000 products with many barcodes is well under 1 MiB


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
    items: list
    next: str | None
    more: bool
    remaining: int | None = None  # changes after this page, when the back office says


def display_url(url: str | None) -> str:
    """``url`` fit for logs and screens: a password in it becomes ``***``."""
    if not url:
        return ""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        netloc = parts.netloc.rpartition("@")
        return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{netloc[2]}"))
    except ValueError:
        return "***"


def url_secret(url: str | None) -> str | None:
    """The password in ``url``, for the log filter; None when it has none."""
    try:
        return urlsplit(url or "").password or None
    except ValueError:
        return None


def _split_credentials(url: str) -> tuple[str, httpx.BasicAuth | None]:
    """The address without ``user:password@``, and those as HTTP basic auth (what httpx would send)."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None
    host = parts.netloc.rpartition("@")[2]
    auth = httpx.BasicAuth(unquote(parts.username or ""), unquote(parts.password or ""))
    return urlunsplit(parts._replace(netloc=host)), auth


def check_url(url: str | None) -> str:
    """The base URL without a trailing slash; plain http only for loopback hosts."""
    if not url:
        raise errors.NoBackofficeUrl()
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        raise errors.InsecureUrl(url=display_url(url)) from None
    if parts.scheme not in ("http", "https") or not host:
        raise errors.InsecureUrl(url=display_url(url))
    if parts.scheme == "http" and not _is_loopback(host):
        raise errors.InsecureUrl(url=display_url(url))
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


def _error_code(response: Answer) -> tuple[str, str]:
    """The protocol's error code and message; ("", a bit of the body) for any other answer."""
    try:
        error = outside_json.loads(response.body)["error"]
        code, message = error.get("code", ""), error.get("message", "")
        if isinstance(code, str) and isinstance(message, str):
            return printable(code, one_line=True)[:64], printable(message, one_line=True)[:200]
    except (ValueError, KeyError, TypeError, AttributeError):
        pass
    return "", printable(response.text[:200], one_line=True)


ORDER_REFUSALS = ("order_unknown", "order_status_conflict", "validation_error")


@functools.lru_cache(maxsize=1)
def _usual_trust() -> ssl.SSLContext:
    """httpx's default trust, loaded once: reading the CA file took longer than a delta sync."""
    return httpx.create_ssl_context()


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
        max_answer: int = MAX_ANSWER,
    ):
        self.url = check_url(url)
        self.shown_url = display_url(self.url)
        self.deadline = float(timeout)
        self.max_answer = max_answer
        verify: Any = (
            tls_context(ca_bundle) if ca_bundle else _usual_trust()
        )  # a bundle adds to the usual CAs
        headers = {"User-Agent": f"kassa/{__version__}"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        base, auth = _split_credentials(self.url)  # httpx logs the URL: keep a password out of it
        self._http = httpx.Client(
            base_url=base, auth=auth, headers=headers, timeout=timeout, verify=verify, transport=transport
        )
        self.stop_requested: Callable[[], bool] = lambda: False  # checked before every request
        self._breaker = Breaker()  # shutdown breaks the request in flight through it

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> BackofficeClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- transport -------------------------------------------------------------------------
    def abort(self) -> None:
        """From another thread: end the request in flight now and refuse further ones."""
        self.stop_requested = lambda: True
        self._breaker.trip()

    def _request(self, method: str, path: str, **kwargs) -> Answer:
        if self.stop_requested():
            raise errors.Stopped()
        request = self._http.build_request(method, path, **kwargs)
        try:
            answer = exchange(
                self._http, request, deadline=self.deadline, max_body=self.max_answer, breaker=self._breaker
            )
        except Broken:
            raise errors.Stopped() from None
        except DeadlinePassed:
            raise errors.TooSlow(url=self.shown_url, seconds=round(self.deadline)) from None
        except TooLarge:
            raise errors.AnswerTooLarge(url=self.shown_url, limit=self.max_answer // 2**20) from None
        except httpx.HTTPError as exc:
            if isinstance(exc, httpx.TimeoutException):
                raise errors.TooSlow(url=self.shown_url, seconds=round(self.deadline)) from None
            if _is_tls_error(exc):
                raise errors.TlsFailure(url=self.shown_url, detail=_tls_detail(exc)) from None
            raise errors.Unreachable(url=self.shown_url, detail=type(exc).__name__) from None
        if answer.status == 401:
            raise errors.Unauthorized()
        if answer.status == 429:
            raise errors.RateLimited(seconds=_retry_after(answer))
        return answer

    def _json(self, response: Answer) -> Any:
        if response.status == 404 and _error_code(response)[0] in ("", "not_found"):
            raise errors.WrongAddress(url=self.shown_url)
        if response.status >= 400:
            code, message = _error_code(response)
            raise errors.ServerError(detail=f"HTTP {response.status} {code} {message}".strip())
        try:
            return outside_json.loads(response.body)
        except ValueError:
            raise errors.ServerError(NOT_JSON, url=self.shown_url) from None

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
        status = response.status
        if status == 404 and _error_code(response)[0] != "code_unknown":
            raise errors.WrongAddress(url=self.shown_url)
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
            token = data["token"]
            store = data.get("store") or {}
            if not isinstance(token, str) or not 0 < len(token) <= 4096 or not token.isprintable():
                raise TypeError(token)
            return PairResult(
                register_id=_outside_text(data["register_id"]),
                token=token,
                organization_name=_outside_text(data["organization"]["name"]),
                organization_inn=_outside_text(data["organization"].get("inn", ""), 12),
                store={
                    str(key)[:32]: _outside_text(value)
                    for key, value in dict(store).items()
                    if isinstance(value, str | int) and not isinstance(value, bool)
                },
            )
        except (KeyError, TypeError, AttributeError, ValueError):
            raise errors.ServerError(MALFORMED_PAIRING, url=self.shown_url) from None

    def _page(self, path: str, since: str | None, limit: int | None) -> Page:
        params: dict[str, Any] = {}
        if since:
            params["since"] = since
        if limit:
            params["limit"] = limit
        response = self._request("GET", path, params=params)
        if response.status == 410:
            raise errors.CursorExpired()
        data = self._json(response)
        if not isinstance(data, dict):
            raise errors.ServerError(MALFORMED_PAGE, url=self.shown_url)
        items, cursor, more = data.get("items") or [], data.get("next"), data.get("more", False)
        remaining = data.get("remaining")
        if not isinstance(items, list) or not isinstance(more, bool):
            raise errors.ServerError(MALFORMED_PAGE, url=self.shown_url)
        if cursor is not None and (not isinstance(cursor, str) or len(cursor) > 256):
            raise errors.ServerError(MALFORMED_PAGE, url=self.shown_url)
        if (
            isinstance(remaining, bool)
            or not isinstance(remaining, int)
            or not 0 <= remaining <= MAX_REMAINING
        ):
            remaining = None
        return Page(items=items, next=cursor, more=more, remaining=remaining)

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

    def send_documents(self, body: bytes) -> list[dict]:
        """Upload fiscal documents (a body from ``encode_documents``); one result per uuid:
        accepted | duplicate | conflict | rejected."""
        headers = {"Content-Type": "application/json"}
        data = self._json(self._request("POST", "/api/v1/documents", content=body, headers=headers))
        results = data.get("results") if isinstance(data, dict) else None
        if not isinstance(results, list):
            raise errors.ServerError(MALFORMED_DOCUMENTS, url=self.shown_url)
        return results

    def order_status(self, order_id: str, status: str, receipt_uuid: str | None, reason: str | None) -> None:
        """Report an order's outcome; OrderReportRefused names the protocol's refusal (``answer``)."""
        body = {"status": status, "receipt_uuid": receipt_uuid, "reason": reason}
        response = self._request("POST", f"/api/v1/orders/{segment(order_id)}/status", json=body)
        code, message = _error_code(response)
        if response.status in (404, 409, 422) and code in ORDER_REFUSALS:
            raise errors.OrderReportRefused(answer=code, detail=printable(f"{code} {message}", one_line=True))
        self._json(response)

    def heartbeat(self, printer: str, queue_depth: int, fn: dict | None) -> None:
        """``fn``: the FN's end of life, OFD days left and warnings, so the back office warns too; None
        only with no register (the back office keeps the last summary: None replaces what it knew)."""
        body = {"printer": printer, "queue_depth": queue_depth, "agent_version": __version__, "fn": fn}
        self._json(self._request("POST", "/api/v1/heartbeat", json=body))


def encode_documents(chunks: Iterable[list[dict]]) -> bytes:
    """The body of a documents upload, encoded apart from the request so it can be made ahead.

    The documents come in chunks, each encoded as it comes: a full batch never has all its
    documents as Python objects at once (docs/architecture.md, "Memory at rest")."""
    parts = (
        json.dumps(chunk, ensure_ascii=False, separators=(",", ":"))[1:-1].encode()
        for chunk in chunks
        if chunk
    )
    return b'{"documents":[' + b",".join(parts) + b"]}"


def _outside_text(value: object, limit: int = 256) -> str:
    """Text from the back office as the register keeps it: no escapes or control characters, bounded."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise TypeError(value)
    return printable(str(value), one_line=True).strip()[:limit]


def _retry_after(response: Answer) -> int:
    try:
        return min(3600, max(1, int(float(response.headers.get("Retry-After", "60")))))
    except (ValueError, OverflowError):
        return 60


def _tls_detail(exc: BaseException) -> str:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return getattr(seen, "verify_message", None) or getattr(seen, "reason", None) or str(seen)
        seen = seen.__cause__ or seen.__context__
    return str(exc)[:120]
