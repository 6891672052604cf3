"""The local API's unix socket, bound by the daemon itself.

Binding it ourselves (rather than letting uvicorn do it) is what lets us refuse a socket a
live daemon is answering on, remove a stale one left by a crash, and create it 0660 with the
``kassa`` group from the first instant — the API fiscalizes sales, so it is never
world-writable, not even between bind() and chmod().
"""

from __future__ import annotations

import contextlib
import grp
import logging
import os
import socket
import stat
import struct
import time
from pathlib import Path

from agent.i18n import _

log = logging.getLogger("kassa.daemon")

SOCKET_MODE = 0o660
# Connections the kernel queues before the daemon accepts them, and how many the event loop accepts
# at one wake-up. Python before 3.14 keeps calling accept() that many times once it fails for want
# of file descriptors, logging and scheduling a retry for each (CPython gh-151615): with uvicorn's
# 2048 a flood kept the loop busy for seconds after it ended. The daemon has a handful of clients.
LISTEN_BACKLOG = 32


class SocketInUse(Exception):
    """The socket path cannot be ours; phrased for a person."""


def _answers(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        try:
            probe.connect(str(path))
        except OSError:
            return False
        return True


def bind_api_socket(path: Path, group: str | None) -> socket.socket:
    """A listening, non-blocking unix socket at ``path``, mode 0660, group ``group`` if it exists."""
    path = Path(path)
    if not path.parent.exists():
        path.parent.mkdir(mode=0o750, parents=True)
    if path.exists() or path.is_symlink():
        if not stat.S_ISSOCK(path.lstat().st_mode):
            raise SocketInUse(
                _("{path} exists and is not a socket; remove it or set another socket path").format(path=path)
            )
        if _answers(path):
            raise SocketInUse(
                _("another kassa daemon is already answering on {path}; stop it first").format(path=path)
            )
        log.info("removing the stale socket %s", path)
        path.unlink()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
    old_umask = os.umask(0o117)  # the socket is born 0660
    try:
        sock.bind(str(path))
    except OSError as exc:
        sock.close()
        raise SocketInUse(
            _("cannot create the API socket {path}: {error}").format(path=path, error=exc.strerror)
        ) from None
    finally:
        os.umask(old_umask)
    os.chmod(path, SOCKET_MODE)
    _set_group(path, group)
    sock.listen(LISTEN_BACKLOG)
    sock.setblocking(False)
    return sock


def _set_group(path: Path, group: str | None) -> None:
    if not group:
        return
    try:
        gid = grp.getgrnam(group).gr_gid
    except KeyError:
        log.debug("group %s does not exist; the socket keeps the daemon's group", group)
        return
    try:
        os.chown(path, -1, gid)
    except PermissionError:
        log.warning("cannot give the socket %s to group %s: the daemon's user is not in it", path, group)


def remove_socket(path: Path, inode: int | None) -> None:
    """Unlink the socket file if it is still the one we bound (a successor may own the path now)."""
    with contextlib.suppress(OSError):
        if inode is None or path.lstat().st_ino == inode:
            path.unlink()


PEER_SCOPE_KEY = "kassa.peer"  # read by agent.api.access


def peer_credentials(sock: socket.socket | None) -> tuple[int, int, int] | None:
    """(pid, uid, gid) of a unix socket's peer, as the kernel saw it at connect(); None if unknown."""
    if sock is None or sock.family != socket.AF_UNIX:
        return None
    try:
        raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    except OSError:
        return None
    return struct.unpack("3i", raw)


class WithPeer:
    """The ASGI app of one connection: every request's scope carries the connection's peer."""

    def __init__(self, app, peer: tuple[int, int, int] | None):
        self.app, self.peer = app, peer

    async def __call__(self, scope, receive, send):
        scope[PEER_SCOPE_KEY] = self.peer
        await self.app(scope, receive, send)


MAX_CONNECTIONS = 128  # open at once; the TUI and the CLI need a handful
HEADER_TIMEOUT = 10.0  # seconds from connect to a whole request head
MAX_HEADER_BYTES = 16 * 1024


def peer_protocol(base: type) -> type:
    """uvicorn's HTTP protocol class: reads the peer's credentials once per connection, refuses
    connections beyond ``MAX_CONNECTIONS`` at once, and drops one that sends no request head in time
    (a flood of idle connections must not use up the daemon's file descriptors)."""

    class PeerProtocol(base):
        _deadline = None

        def connection_made(self, transport) -> None:
            self.app = WithPeer(self.app, peer_credentials(transport.get_extra_info("socket")))
            super().connection_made(transport)
            if len(self.connections) > MAX_CONNECTIONS:
                FLOOD.note("too many connections to the API socket; refusing new ones")
                transport.abort()
                return
            self._deadline = self.loop.call_later(HEADER_TIMEOUT, self._no_request)

        def _no_request(self) -> None:
            if self.cycle is None:
                FLOOD.note("connections to the API socket sent no request in time; dropped")
                self.transport.abort()

        def connection_lost(self, exc) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
            super().connection_lost(exc)

    return PeerProtocol


class FloodLog(logging.Filter):
    """Records that a flood repeats (a failed accept, a malformed request, a dropped connection) are
    logged once per interval per kind, without a traceback, with how many were left out."""

    def __init__(self, interval: float = 60.0, clock=time.monotonic):
        super().__init__()
        self.interval, self.clock = interval, clock
        self.last: dict[str, tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = f"{record.name}:{record.getMessage().splitlines()[0][:120] if record.msg else ''}"
        now = self.clock()
        since, dropped = self.last.get(key, (-self.interval - 1, 0))
        if now - since < self.interval:
            self.last[key] = (since, dropped + 1)
            return False
        self.last[key] = (now, 0)
        if len(self.last) > 256:
            self.last.clear()
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        if dropped:
            record.msg = f"{record.getMessage()} ({dropped} more like it in the last {self.interval:.0f} s)"
            record.args = ()
        return True

    def note(self, message: str) -> None:
        """Log a flood event of the API socket itself, rate-limited like the others."""
        record = log.makeRecord(log.name, logging.WARNING, __file__, 0, message, (), None)
        if self.filter(record):
            log.handle(record)


FLOOD = FloodLog()


def quiet_floods() -> None:
    """Rate-limit what a connection flood makes asyncio and uvicorn log (asyncio logs a traceback
    for every failed accept when file descriptors run out)."""
    for name in ("asyncio", "uvicorn.error"):
        logger = logging.getLogger(name)
        if FLOOD not in logger.filters:
            logger.addFilter(FLOOD)
