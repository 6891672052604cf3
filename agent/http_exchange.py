"""One HTTP request to a remote we do not trust, bounded as a whole in time and size.

httpx's timeouts are per phase and per read, so a server that sends a byte every few seconds would
never time out. Here a watchdog shuts the request's socket down when the whole-request deadline
passes, which wakes a blocked read at once; the body is read in chunks up to a size cap. One
thread (``deadlines``) watches every request's deadline, so requests start no threads of their own. A
``Breaker`` lets another thread break the request in flight the same way (shutdown of the daemon).
The back office and the marketplaces both go through ``exchange``; each maps the exceptions below
to its own errors.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import socket
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from common.digits import is_digits

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Answer:
    """An HTTP answer read to its end within the deadline and the size cap."""

    status: int
    headers: httpx.Headers
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class DeadlinePassed(Exception):
    """The whole answer did not arrive within the deadline."""


class TooLarge(Exception):
    """The answer is larger than the cap (it was not read further)."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


class Broken(Exception):
    """Another thread broke the request (``Breaker.trip``)."""


class Breaker:
    """The sockets an HTTP client opened, to shut down from any thread.

    One per client (or per attempt): ``trace`` goes into each request's extensions and records every
    connection as it is made; ``trip()`` shuts them all down and fails the request in flight.
    """

    def __init__(self) -> None:
        self._streams: list[Any] = []
        self._lock = threading.Lock()
        self.tripped = False

    def trace(self, name: str, info: dict) -> None:
        if name in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            with self._lock:
                self._streams.append(info["return_value"])

    def trip(self) -> None:
        self.tripped = True
        self._shut()

    def _shut(self) -> None:
        with self._lock:
            streams, self._streams = self._streams, []
        for stream in streams:
            sock = stream.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)  # wakes a blocked read at once


class Deadlines:
    """Runs an action when its deadline passes, unless cancelled first; one thread for them all.

    The actions are short (an event set, sockets shut down) and run in that thread.
    """

    def __init__(self) -> None:
        self._due: list[list[Any]] = []  # heap of [when, order, action]; a cancelled one has no action
        self._order = itertools.count()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        with self._changed:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="kassa-deadlines", daemon=True)
                self._thread.start()

    def arm(self, seconds: float, action: Callable[[], None]) -> list[Any]:
        """Run ``action`` in ``seconds``; returns the handle for ``cancel``."""
        self.start()
        entry = [time.monotonic() + seconds, next(self._order), action]
        with self._changed:
            heapq.heappush(self._due, entry)
            self._changed.notify()
        return entry

    def cancel(self, entry: list[Any]) -> None:
        with self._changed:
            entry[2] = None

    def pending(self) -> int:
        with self._changed:
            return sum(1 for entry in self._due if entry[2] is not None)

    def _next(self) -> Callable[[], None]:
        with self._changed:
            while True:
                while self._due and self._due[0][2] is None:
                    heapq.heappop(self._due)
                if self._due and self._due[0][0] <= time.monotonic():
                    return heapq.heappop(self._due)[2]
                self._changed.wait(self._due[0][0] - time.monotonic() if self._due else None)

    def _run(self) -> None:
        while True:
            action = self._next()
            try:
                action()
            except Exception:
                log.exception("a request's deadline action failed")


deadlines = Deadlines()


def exchange(
    http: httpx.Client,
    request: httpx.Request,
    *,
    deadline: float,
    max_body: int,
    breaker: Breaker | None = None,
) -> Answer:
    """Send ``request`` and read the whole answer; DeadlinePassed, TooLarge, Broken or httpx.HTTPError."""
    breaker = breaker or Breaker()
    if breaker.tripped:
        raise Broken()
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        breaker._shut()

    request.headers["Accept-Encoding"] = ", ".join(WBITS)
    request.extensions["trace"] = breaker.trace
    request.extensions["timeout"] = httpx.Timeout(deadline).as_dict()
    started = time.monotonic()
    watchdog = deadlines.arm(deadline, expire)
    try:
        response = http.send(request, stream=True)
        try:
            declared = response.headers.get("Content-Length", "")
            if is_digits(declared) and int(declared) > max_body:
                raise TooLarge(response.status_code)
            body = bytearray()
            decode = _decoder(response)
            for chunk in response.iter_raw():
                body += decode(chunk, max_body + 1 - len(body))
                if len(body) > max_body:
                    raise TooLarge(response.status_code)
                if time.monotonic() - started > deadline:
                    raise DeadlinePassed()
        finally:
            response.close()
    except httpx.HTTPError:
        if breaker.tripped:
            raise Broken() from None
        if expired.is_set():
            raise DeadlinePassed() from None
        raise
    finally:
        deadlines.cancel(watchdog)
    if breaker.tripped:
        raise Broken()
    return Answer(response.status_code, response.headers, bytes(body))


# the codings asked for, and how zlib reads each; httpx's own decoding would inflate a whole chunk
# before the size cap is looked at (64 KiB of gzip can hold 64 MiB of zeros)
WBITS = {"gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


def _decoder(response: httpx.Response) -> Callable[[bytes, int], bytes]:
    """``decode(raw, room)``: the body bytes in ``raw``, never more than ``room`` of them."""
    coding = response.headers.get("Content-Encoding", "identity").strip().lower()
    if coding in ("", "identity"):
        return lambda raw, room: raw
    if coding not in WBITS:
        raise httpx.DecodingError(f"an answer in a coding not asked for: {coding[:40]}")
    inflate = zlib.decompressobj(WBITS[coding])

    def decode(raw: bytes, room: int) -> bytes:
        try:
            out = inflate.decompress(raw, max(room, 1))
        except zlib.error as exc:
            raise httpx.DecodingError(f"a broken {coding} answer: {exc}") from None
        return out + b"\0" if inflate.unconsumed_tail else out  # more than the room: one byte over

    return decode


def segment(value: str) -> str:
    """``value`` as one escaped path segment: "/", "?", "#" and ".." cannot change the URL."""
    escaped = quote(str(value), safe="")
    return escaped.replace(".", "%2E") if escaped.strip(".") == "" else escaped
