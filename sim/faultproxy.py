"""A fault-injecting HTTP proxy for loopback tests of the sync engine.

It sits in front of the back office and, for each request, at a set probability drawn from a seeded
RNG, does one of:

- ``reset``: close the connection with a TCP reset before forwarding anything;
- ``500`` / ``503``: answer that status itself without forwarding;
- ``delay``: hold the request ``delay`` seconds (longer than the client's timeout), then forward it
  and answer if the client is still there, so the server may commit after the client gave up;
- ``drop``: forward the request, let the server commit and answer, then reset the connection
  without passing the answer on.

Every answer that does reach the client carries ``Connection: close``; each request gets its own
upstream connection. Use it in-process (``FaultProxy(...).start()`` / ``.stop()`` or ``with``;
``.counters``; ``.force(kind)``) or from a shell: ``python -m sim.faultproxy --target URL --fail 0.33``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import signal
import socket
import struct
import sys
import threading
from collections import Counter, deque
from collections.abc import Iterable
from urllib.parse import urlsplit

from agent.i18n import _

KINDS = ("reset", "500", "503", "delay", "drop")
HOP_BY_HOP = {
    b"connection",
    b"keep-alive",
    b"proxy-connection",
    b"transfer-encoding",
    b"content-length",
    b"te",
}
REASONS = {500: "Internal Server Error", 503: "Service Unavailable"}
UPSTREAM_TIMEOUT = 120.0


class BadRequest(Exception):
    """The client sent something that is not an HTTP/1.1 request we can forward."""


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";")[0].strip(), 16)
        if size == 0:
            await reader.readuntil(b"\r\n")  # no trailers are expected
            return bytes(body)
        body += await reader.readexactly(size)
        await reader.readexactly(2)


async def read_request(reader: asyncio.StreamReader) -> tuple[bytes, list[tuple[bytes, bytes]], bytes] | None:
    """(request line, headers, body) of the next request; None when the client closed first."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial.strip():
            raise BadRequest("incomplete request head") from exc
        return None
    lines = head[:-4].split(b"\r\n")
    headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep:
            raise BadRequest("malformed header line")
        headers.append((name.strip().lower(), value.strip()))
    fields = dict(headers)
    if b"chunked" in fields.get(b"transfer-encoding", b"").lower():
        body = await _read_chunked(reader)
    else:
        body = await reader.readexactly(int(fields.get(b"content-length", b"0") or 0))
    return lines[0], headers, body


def _with_close(response: bytes) -> bytes:
    """The upstream answer with its Connection header replaced by ``close``."""
    head, sep, body = response.partition(b"\r\n\r\n")
    if not sep:
        return response
    lines = head.split(b"\r\n")
    kept = [line for line in lines[1:] if line.partition(b":")[0].strip().lower() != b"connection"]
    return b"\r\n".join([lines[0], *kept, b"Connection: close"]) + b"\r\n\r\n" + body


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST (SO_LINGER 0) instead of an orderly FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class FaultProxy:
    """Proxy ``target`` on ``host:port`` (0: a free port), failing a share ``fail`` of the requests.

    ``paths``: only requests whose path starts with one of these prefixes may fail (default all).
    ``counters``: "requests", "forwarded" (reached the server) and one entry per fault kind.
    """

    def __init__(
        self,
        target: str,
        fail: float = 0.0,
        kinds: Iterable[str] = KINDS,
        seed: int = 0,
        delay: float = 5.0,
        host: str = "127.0.0.1",
        port: int = 0,
        paths: Iterable[str] | None = None,
    ):
        parts = urlsplit(target)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"the target must be an http:// URL, not {target!r}")
        self.target_host = parts.hostname
        self.target_port = parts.port or 80
        self.fail = fail
        self.kinds = tuple(kinds)
        unknown = set(self.kinds) - set(KINDS)
        if unknown or not self.kinds:
            raise ValueError(f"fault kinds must be among {', '.join(KINDS)}")
        self.delay = delay
        self.host = host
        self.port = port
        self.paths = tuple(paths) if paths else None
        self.counters: Counter[str] = Counter()
        self._rng = random.Random(seed)
        self._forced: deque[str] = deque()
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def force(self, *kinds: str) -> None:
        """Make the next eligible requests fail with these kinds, in order, whatever ``fail`` is."""
        for kind in kinds:
            if kind not in KINDS:
                raise ValueError(f"unknown fault kind {kind!r}")
            self._forced.append(kind)

    def _choose(self, path: str) -> str | None:
        if self.paths is not None and not path.startswith(self.paths):
            return None
        if self._forced:
            return self._forced.popleft()
        if self.fail > 0 and self._rng.random() < self.fail:
            return self._rng.choice(self.kinds)
        return None

    # asyncio side
    async def open(self) -> None:
        """Start listening (in the running loop)."""
        self._server = await asyncio.start_server(self._connection, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._tasks.add(task)
        try:
            await self._serve_one(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, BadRequest, ValueError, OSError):
            writer.transport.abort()
        finally:
            self._tasks.discard(task)
            if not writer.is_closing():
                writer.close()

    async def _serve_one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await read_request(reader)
        if request is None:
            return
        line, headers, body = request
        self.counters["requests"] += 1
        path = line.split(b" ")[1].decode("latin-1") if line.count(b" ") >= 2 else "/"
        kind = self._choose(path)
        if kind is not None:
            self.counters[kind] += 1
        if kind == "reset":
            _reset(writer)
            return
        if kind in ("500", "503"):
            writer.write(self._error(int(kind)))
            await writer.drain()
            return
        if kind == "delay":
            await asyncio.sleep(self.delay)
        response = await self._forward(line, headers, body)
        if kind == "drop":
            _reset(writer)
            return
        writer.write(_with_close(response))
        await writer.drain()

    async def _forward(self, line: bytes, headers: list[tuple[bytes, bytes]], body: bytes) -> bytes:
        upstream_reader, upstream_writer = await asyncio.open_connection(self.target_host, self.target_port)
        try:
            kept = [b"%s: %s" % (name, value) for name, value in headers if name not in HOP_BY_HOP]
            head = [line, *kept, b"Content-Length: %d" % len(body), b"Connection: close"]
            upstream_writer.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
            await upstream_writer.drain()
            response = await asyncio.wait_for(upstream_reader.read(), UPSTREAM_TIMEOUT)
            self.counters["forwarded"] += 1
            return response
        finally:
            upstream_writer.close()

    @staticmethod
    def _error(status: int) -> bytes:
        body = json.dumps(
            {"error": {"code": "fault_injected", "message": f"fault proxy answered {status}"}}
        ).encode()
        head = (
            f"HTTP/1.1 {status} {REASONS[status]}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        return head.encode("ascii") + body

    # thread side, for tests that are not async
    def start(self) -> FaultProxy:
        """Run in a thread of its own; returns once listening."""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="faultproxy", daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.open(), self._loop).result(10)
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        asyncio.run_coroutine_threadsafe(self.close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
        self._loop = self._thread = None

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


async def _main(proxy: FaultProxy) -> None:
    await proxy.open()
    print(proxy.url, flush=True)
    print(
        _("fault proxy on {url} in front of {target}, failing {share:.0%} of requests").format(
            url=proxy.url, target=f"http://{proxy.target_host}:{proxy.target_port}", share=proxy.fail
        ),
        file=sys.stderr,
        flush=True,
    )
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopped.set)
    await stopped.wait()
    await proxy.close()
    print(json.dumps(dict(proxy.counters), sort_keys=True), file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m sim.faultproxy", description=_("Fault-injecting HTTP proxy.")
    )
    parser.add_argument("--target", required=True, help=_("URL of the server behind the proxy."))
    parser.add_argument("--fail", type=float, default=0.0, help=_("Share of requests to fail, 0 to 1."))
    parser.add_argument(
        "--kinds", default=",".join(KINDS), help=_("Comma-separated fault kinds to choose from.")
    )
    parser.add_argument("--seed", type=int, default=0, help=_("Random seed: the same seed, the same faults."))
    parser.add_argument("--delay", type=float, default=5.0, help=_("Seconds a delayed request is held."))
    parser.add_argument("--host", default="127.0.0.1", help=_("Address to listen on."))
    parser.add_argument("--port", type=int, default=0, help=_("Port to listen on (0: any free port)."))
    args = parser.parse_args(argv)
    if not 0 <= args.fail <= 1:
        parser.error(_("--fail must be between 0 and 1"))
    try:
        proxy = FaultProxy(
            args.target,
            args.fail,
            [k.strip() for k in args.kinds.split(",") if k.strip()],
            args.seed,
            args.delay,
            args.host,
            args.port,
        )
    except ValueError as exc:
        parser.error(str(exc))
    try:
        asyncio.run(_main(proxy))
    except OSError as exc:
        parser.exit(
            1, _("cannot listen on {host}:{port}").format(host=args.host, port=args.port) + f": {exc}\n"
        )


if __name__ == "__main__":
    main()
