"""One HTTP exchange with a marketplace, bounded in time and size as a whole.

httpx's timeouts are per phase (a server that sends a byte every few seconds never times out), so a
watchdog shuts the request's socket down when the deadline passes, which wakes a blocked read at
once; the body is read in chunks up to a size cap. Every marketplace call (OAuth and REST) goes
through ``send``.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from agent.marketplace import errors

MAX_BODY = 8 * 1024 * 1024


@dataclass(frozen=True)
class Answer:
    status: int
    headers: httpx.Headers
    body: bytes


def send(
    http: httpx.Client,
    request: httpx.Request,
    deadline: float,
    *,
    marketplace: str,
    url: str,
    on_start: Callable[[Callable[[], None]], None] = lambda breaker: None,
) -> Answer:
    """The whole answer within ``deadline`` seconds; Deadline, Unreachable or Refused otherwise.

    ``on_start`` receives a function that breaks this exchange now (the daemon stopping)."""
    streams: list = []
    lock = threading.Lock()
    broken = threading.Event()

    def trace(name: str, info: dict) -> None:
        if name in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            with lock:
                streams.append(info["return_value"])

    def expire() -> None:
        broken.set()
        with lock:
            taken = list(streams)
        for stream in taken:
            sock = stream.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)

    on_start(expire)
    request.extensions["trace"] = trace
    request.extensions["timeout"] = httpx.Timeout(deadline).as_dict()
    started = time.monotonic()
    watchdog = threading.Timer(deadline, expire)
    watchdog.daemon = True
    watchdog.start()
    try:
        response = http.send(request, stream=True)
        try:
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_BODY:
                    raise errors.Refused(
                        marketplace=marketplace, http=response.status_code, detail="answer too large"
                    )
                if time.monotonic() - started > deadline:
                    raise httpx.ReadTimeout("deadline")
        finally:
            response.close()
    except httpx.HTTPError as exc:
        if broken.is_set() or isinstance(exc, httpx.TimeoutException):
            raise errors.Deadline(marketplace=marketplace, seconds=round(deadline)) from None
        raise errors.Unreachable(marketplace=marketplace, url=url, detail=type(exc).__name__) from None
    finally:
        watchdog.cancel()
    return Answer(response.status_code, response.headers, bytes(body))
