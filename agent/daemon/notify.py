"""systemd's notify protocol (sd_notify(3)) with the standard library: one datagram per state.

Type=notify makes systemd wait for READY=1 before it starts what depends on us, so we send it
only once the API socket answers. Without $NOTIFY_SOCKET (a terminal, a test) every call is a
no-op. Watchdog pings go out at half of $WATCHDOG_USEC, and only while the event loop and the
store answer: a daemon that is alive but stuck must be restarted by systemd, not kept.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable

from common.digits import is_digits

log = logging.getLogger("kassa.daemon")


def notify(state: str, env: dict[str, str] | None = None) -> bool:
    """Send ``state`` ("READY=1", "STOPPING=1", "WATCHDOG=1", "STATUS=...") to systemd."""
    env = os.environ if env is None else env
    address = env.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):  # abstract namespace
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(state.encode())
        return True
    except OSError as exc:
        log.warning("cannot notify systemd at %s: %s", env.get("NOTIFY_SOCKET"), exc)
        return False


def watchdog_interval(env: dict[str, str] | None = None) -> float | None:
    """Seconds between pings (half of WATCHDOG_USEC), or None when systemd expects none."""
    env = os.environ if env is None else env
    usec = env.get("WATCHDOG_USEC")
    pid = env.get("WATCHDOG_PID")
    if not usec or (pid and is_digits(pid) and int(pid) != os.getpid()):
        return None
    try:
        value = int(usec)
    except ValueError:
        return None
    return value / 2_000_000 if value > 0 else None


async def watchdog(healthy: Callable[[], Awaitable[bool]], interval: float) -> None:
    """Ping systemd every ``interval`` seconds while ``healthy()`` says so.

    The check runs on the event loop, so a blocked loop stops the pings by itself; the check
    itself adds the store (a query in a thread, bounded by the interval).
    """
    while True:
        await asyncio.sleep(interval)
        try:
            ok = await asyncio.wait_for(healthy(), timeout=interval)
        except (TimeoutError, Exception) as exc:  # a failed check is "not healthy", never a crash
            log.warning("health check failed, not pinging the watchdog: %s", exc)
            ok = False
        if ok:
            notify("WATCHDOG=1")
