"""HTTP exchanges with a marketplace, each bounded in time and size as a whole.

httpx's timeouts are per phase (a server that sends a byte every few seconds never times out), so a
watchdog shuts the client's sockets down when an exchange's deadline passes, which wakes a blocked
read at once; the body is read in chunks up to a size cap. Sockets are tracked per client
(``Link``), because a kept-alive connection is opened by an earlier exchange. Every marketplace call
(OAuth and REST) goes through ``Link.send``.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass

import httpx

from agent.marketplace import errors

MAX_BODY = 8 * 1024 * 1024


@dataclass(frozen=True)
class Answer:
    status: int
    headers: httpx.Headers
    body: bytes


class Link:
    """One httpx client's exchanges: ``send`` one, ``cut`` the one in flight (and refuse more)."""

    def __init__(self, http: httpx.Client, marketplace: str, url: str):
        self.http, self.marketplace, self.url = http, marketplace, url
        self._streams: list = []
        self._lock = threading.Lock()
        self._cut = False
        self._expired = threading.Event()

    def _trace(self, name: str, info: dict) -> None:
        if name in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            with self._lock:
                self._streams.append(info["return_value"])

    def _shut(self) -> None:
        self._expired.set()
        with self._lock:
            streams, self._streams = self._streams, []
        for stream in streams:
            sock = stream.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def cut(self) -> None:
        """From another thread (shutdown): end the exchange in flight now and every later one."""
        self._cut = True
        self._shut()

    def send(self, request: httpx.Request, deadline: float) -> Answer:
        """The whole answer within ``deadline`` seconds; Deadline, Unreachable or Refused otherwise."""
        if self._cut:
            raise errors.MarketplaceError(detail="stopping")
        self._expired.clear()
        request.extensions["trace"] = self._trace
        request.extensions["timeout"] = httpx.Timeout(deadline).as_dict()
        started = time.monotonic()
        watchdog = threading.Timer(deadline, self._shut)
        watchdog.daemon = True
        watchdog.start()
        try:
            response = self.http.send(request, stream=True)
            try:
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_BODY:
                        raise errors.Refused(
                            marketplace=self.marketplace, http=response.status_code, detail="answer too large"
                        )
                    if time.monotonic() - started > deadline:
                        raise httpx.ReadTimeout("deadline")
            finally:
                response.close()
        except httpx.HTTPError as exc:
            if self._cut:
                raise errors.MarketplaceError(detail="stopping") from None
            if self._expired.is_set() or isinstance(exc, httpx.TimeoutException):
                raise errors.Deadline(marketplace=self.marketplace, seconds=round(deadline)) from None
            raise errors.Unreachable(
                marketplace=self.marketplace, url=self.url, detail=type(exc).__name__
            ) from None
        finally:
            watchdog.cancel()
        return Answer(response.status_code, response.headers, bytes(body))
