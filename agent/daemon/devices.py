"""The device manager: one owner thread per serial port, commands to a device one at a time.

Serial I/O blocks, so each configured device gets its own thread; everything that touches
the port — opening it, a command from the journal, the background status poll — is queued
on that thread, which is what keeps two commands from interleaving their frames on the wire.
A port that vanishes (USB unplugged: the path is gone, or the OS reports an I/O error) turns
the device "absent"; the poll re-opens it when the port comes back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from agent.config import Config
from agent.config.schema import DeviceSettings
from agent.daemon.profiles import ProfileRegistry
from agent.fiscal_register import AUTO, find_port, open_at
from agent.i18n import N_, translate, translations
from agent.printing import paper
from common.errors import Message
from drivers.device_status import headline
from drivers.errors import DriverError
from drivers.fiscal_register import DeviceInfo, FnStatus, OfdStatus
from drivers.profile import Profile

log = logging.getLogger("kassa.devices")

READY, ABSENT, ERROR = "ready", "absent", "error"
NOT_CONFIGURED = "not_configured"
OFD_POLL_INTERVAL = 60.0  # seconds
POLL_YIELD_LIMIT = 10.0  # seconds: a status poll yields to commands only while its last read is younger
DETECT_INTERVAL = 30.0  # seconds between two searches for a register on port "auto"
FISCAL_REGISTER, RECEIPT_PRINTER = "fiscal_register", "receipt_printer"


class DeviceUnavailable(DriverError):
    """The device cannot take a command now: unplugged, not configured, busy past the timeout."""

    code = "device_unavailable"
    message = N_("the {device} is not available: {reason}")
    status = 503


class DeviceTimeout(DeviceUnavailable):
    """No answer in time; the command may still finish on the port's thread."""

    code = "device_timeout"
    outcome_unknown = True


class Stopping(DeviceUnavailable):
    code = "stopping"


DEVICE_NAMES = {FISCAL_REGISTER: N_("fiscal register"), RECEIPT_PRINTER: N_("receipt printer")}


def unavailable(
    kind: str,
    reason: str,
    params: dict[str, Any] | None = None,
    error: type[DeviceUnavailable] = DeviceUnavailable,
) -> DeviceUnavailable:
    """``reason`` is an English msgid with ``params``; the API translates both parts per client."""
    return error(device=Message(DEVICE_NAMES[kind]), reason=Message(reason, params or {}))


def is_path_port(port: str) -> bool:
    """A device path we can watch for (dis)appearing; pyserial URLs (socket://, rfc2217://) are not."""
    return "://" not in port and port != AUTO


def open_escpos(port: str, profile: Profile, settings: Any) -> Any:
    """The receipt printer, its own labels (ИТОГ, СДАЧА) in the paper's language as the copy's are."""
    from drivers.escpos import open_printer

    return open_printer(port, profile, translate=paper)


OPENERS: dict[str, Callable[[str, Profile, Any], Any]] = {"shtrih": open_at, "escpos": open_escpos}


class DeviceHandle:
    """One configured device and the thread that owns its port."""

    def __init__(self, kind: str, settings: DeviceSettings, profiles: ProfileRegistry):
        self.kind = kind
        self.settings = settings
        self.port: str = settings.port or ""
        self.resolved_port: str | None = None if self.port == AUTO else self.port
        self._profiles = profiles
        self.state = ABSENT
        self.message: Message | None = Message(N_("not opened yet"))
        self.last_status: Any = None
        self.last_ofd: OfdStatus | None = None  # a fiscal register's, polled less often
        self.last_fn: FnStatus | None = None  # its FN clock, end of life, warnings, polled with it
        self._ofd_polled = float("-inf")
        self._detect_after = float("-inf")
        self.info: DeviceInfo | None = None  # a fiscal register's, once opened
        self.device: Any = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"kassa-{kind}")
        self._closed = False
        self._poll_pending = False
        self._reopen = False
        self._in_flight = 0
        # a token per command queued and not yet started (added on the event loop, taken on the
        # port's thread, or by its caller when it gives up): the poll yields while one waits or an
        # operation holds the register (``hold``), never past the limit
        self._waiting: set[object] = set()
        self._holds = 0
        self._polled_at = float("-inf")

    @property
    def profile(self) -> Profile | None:
        return self._profiles.get(self.settings.profile)

    @property
    def busy(self) -> bool:
        return self._in_flight > 0

    # ---- the owner thread ------------------------------------------------------------------

    def _set(self, state: str, message: str | None = None, /, **params: Any) -> None:
        said = Message(message, params) if message else None
        if state != self.state or said != self.message:
            level = logging.INFO if state == READY else logging.WARNING
            text = f" ({said.render()})" if said else ""
            log.log(level, "%s on %s: %s%s", self.kind, self.port, state, text)
        self.state, self.message = state, said

    def _close_device(self) -> None:
        device, self.device = self.device, None
        if device is not None:
            try:
                device.close()
            except Exception as exc:  # closing a port that is already gone fails; that is fine
                log.debug("closing %s: %s", self.kind, exc)

    def _lost(self, exc: BaseException) -> None:
        self._close_device()
        if self.port == AUTO:
            self.resolved_port = None
        self._set(ABSENT, N_("port lost: {error}"), error=getattr(exc, "strerror", None) or str(exc))

    def _open(self) -> bool:
        profile = self.profile
        if profile is None:
            self._set(ERROR, N_("unknown firmware profile {profile}"), profile=self.settings.profile)
            return False
        if self.resolved_port is None:
            if time.monotonic() < self._detect_after:
                return False
            try:
                self.resolved_port, baud = find_port(self.settings, self._profiles.directory)
            except (OSError, DriverError) as exc:
                # probing every port at every baud is slow and noisy: not at every poll
                self._detect_after = time.monotonic() + DETECT_INTERVAL
                self._set(ABSENT, N_("no fiscal register found on the serial ports"))
                log.debug("port detection: %s", exc)
                return False
            if not self.settings.baud:
                self.settings = self.settings.model_copy(update={"baud": baud})
        port = self.resolved_port
        if is_path_port(port) and not os.path.exists(port):
            self._set(ABSENT, N_("port {port} does not exist"), port=port)
            return False
        opener = OPENERS.get(profile.protocol)
        try:
            self.device = opener(port, profile, self.settings)
            if self.kind == FISCAL_REGISTER:
                self.info = self.device.device_info()
        except OSError as exc:
            self._lost(exc)
            return False
        except DriverError as exc:
            self._close_device()
            self._set(ERROR, exc.message, **exc.params)
            return False
        except Exception as exc:
            log.exception("opening the %s on %s failed", self.kind, port)
            self._close_device()
            self._set(ERROR, N_("cannot open the device: {error}"), error=str(exc))
            return False
        log.info("%s opened on %s with profile %s", self.kind, port, profile.name)
        return True

    def _ensure_open(self) -> bool:
        if self._reopen:
            self._reopen = False
            self._close_device()
        port = self.resolved_port
        if self.device is not None and port and is_path_port(port) and not os.path.exists(port):
            self._lost(FileNotFoundError(2, f"{port} disappeared", port))
            return False
        return self.device is not None or self._open()

    def _poll(self) -> None:
        self._poll_pending = False
        if self._yields():
            return
        if self._closed or not self._ensure_open():
            return
        try:
            status = self.device.status()
        except OSError as exc:
            self._lost(exc)
            return
        except DriverError as exc:
            self._set(ERROR, exc.message, **exc.params)
            return
        except Exception as exc:
            log.exception("status of the %s failed", self.kind)
            self._set(ERROR, N_("cannot read the device status: {error}"), error=str(exc))
            return
        self.last_status = status
        self._polled_at = time.monotonic()
        self._set(READY, headline(status))
        if self.kind == FISCAL_REGISTER and time.monotonic() - self._ofd_polled > OFD_POLL_INTERVAL:
            self._poll_ofd()

    def _poll_ofd(self) -> None:
        """The FN's queue of documents not yet sent to the OFD (30 days unsent blocks the FN), its
        clock (the 30 days count on it, not on ours), end of life and warnings."""
        try:
            self.last_ofd = self.device.ofd_status()
            self.last_fn = self.device.fn_status()
            self._ofd_polled = time.monotonic()
        except OSError as exc:
            self._lost(exc)
        except DriverError as exc:
            log.debug("OFD status of the %s: %s", self.kind, exc.text)

    def _yields(self) -> bool:
        """Skip this status read: a command waits behind it or an operation holds the device (a
        sale's commands then follow each other without the poll's three in between), unless the
        last read is older than ``POLL_YIELD_LIMIT`` (the status must not starve under a queue of
        sales) or the device is not open (the poll is what opens it again)."""
        busy = self._holds > 0 or bool(self._waiting)
        recent = time.monotonic() - self._polled_at < POLL_YIELD_LIMIT
        return busy and recent and self.device is not None

    def _run(self, token: object, fn: Callable[..., Any], args: tuple) -> Any:
        self._waiting.discard(token)
        if self._closed:
            raise unavailable(self.kind, N_("the daemon is stopping"), error=Stopping)
        self._in_flight += 1
        try:
            if not self._ensure_open():
                raise unavailable(self.kind, *self._reason())
            try:
                return fn(self.device, *args)
            except OSError as exc:
                self._lost(exc)
                reason = {"error": exc.strerror or str(exc)}
                raise unavailable(self.kind, N_("port lost: {error}"), reason) from None
        finally:
            self._in_flight -= 1

    def _reason(self) -> tuple[str, dict[str, Any]]:
        if self.message is None:
            return N_("not connected"), {}
        return self.message.msgid, dict(self.message.params)

    def _shutdown(self) -> None:
        self._close_device()
        self.state, self.message = ABSENT, Message(N_("closed"))

    # ---- the event loop's side -------------------------------------------------------------

    async def call(self, fn: Callable[..., Any], *args: Any, timeout: float | None = None) -> Any:
        """Run ``fn(device, *args)`` on the port's thread, after any command queued before it."""
        if self._closed:
            raise unavailable(self.kind, N_("the daemon is stopping"), error=Stopping)
        token = object()
        self._waiting.add(token)
        future = asyncio.get_running_loop().run_in_executor(self._executor, self._run, token, fn, args)
        try:
            if timeout is None:
                return await future
            return await asyncio.wait_for(asyncio.shield(future), timeout)
        except TimeoutError:
            raise unavailable(
                self.kind, N_("no answer within {seconds} s"), {"seconds": timeout}, DeviceTimeout
            ) from None
        finally:
            # a caller cancelled before its command started never runs it: nothing waits any more
            self._waiting.discard(token)

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """An operation of several commands is under way (a sale): status polls yield to it."""
        self._holds += 1
        try:
            yield
        finally:
            self._holds -= 1

    async def poll(self) -> None:
        if self._closed or self._poll_pending:
            return
        self._poll_pending = True
        await asyncio.get_running_loop().run_in_executor(self._executor, self._poll)

    def reopen(self) -> None:
        """Close and re-open the port before the next command or poll (a new profile)."""
        self._reopen = True

    async def close(self, timeout: float) -> bool:
        """Let the command in flight finish (up to ``timeout``), then close the port."""
        self._closed = True
        future = asyncio.wrap_future(self._executor.submit(self._shutdown))
        try:
            await asyncio.wait_for(future, timeout)
            finished = True
        except TimeoutError:
            log.warning("the %s did not finish its command within %s s; abandoning it", self.kind, timeout)
            finished = False
        self._executor.shutdown(wait=False, cancel_futures=True)
        return finished

    def summary(self, lang: str | None) -> dict[str, Any]:
        profile = self.profile
        info = self.info
        message = self.message.render(translations(lang).gettext) if self.message else None
        mode = getattr(self.last_status, "mode", None)
        return {
            "state": self.state,
            "model": getattr(info, "model", None) or (profile.model if profile else None),
            "profile": self.settings.profile,
            "port": self.resolved_port or self.port,
            "mode": mode,
            "message": message,
        }


class DeviceManager:
    """The configured devices (``fiscal_register``, ``receipt_printer``) and their background status poll."""

    def __init__(self, config: Config, profiles: ProfileRegistry, poll_interval: float = 3.0):
        self.profiles = profiles
        self.poll_interval = poll_interval
        self.fiscal_register: DeviceHandle | None = None
        self.receipt_printer: DeviceHandle | None = None
        self._config = config
        self._task: asyncio.Task | None = None
        self._wake = asyncio.Event()
        self._polls: set[asyncio.Future] = set()

    @staticmethod
    def _wanted(config: Config) -> dict[str, DeviceSettings | None]:
        printer = config.printer if config.printer.port else None
        receipt = config.receipt_printer if config.receipt_printer and config.receipt_printer.port else None
        return {FISCAL_REGISTER: printer, RECEIPT_PRINTER: receipt}

    @property
    def handles(self) -> list[DeviceHandle]:
        return [handle for handle in (self.fiscal_register, self.receipt_printer) if handle is not None]

    async def start(self, first_poll_timeout: float = 10.0) -> None:
        for kind, settings in self._wanted(self._config).items():
            if settings is not None:
                setattr(self, kind, DeviceHandle(kind, settings, self.profiles))
        await self._poll_all(first_poll_timeout)
        self._task = asyncio.create_task(self._poll_loop(), name="device-poll")

    async def _poll_all(self, timeout: float | None = None) -> None:
        polls = [asyncio.ensure_future(handle.poll()) for handle in self.handles]
        if polls:
            # a slow device must not hold up the others nor the daemon's start
            await asyncio.wait(polls, timeout=timeout)

    async def _poll_loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_interval)
            self._wake.clear()
            for handle in self.handles:
                # a handle busy with a long command (a Z report) must not delay the others' polls
                task = asyncio.ensure_future(handle.poll())
                self._polls.add(task)
                task.add_done_callback(self._polls.discard)

    def poll_now(self) -> None:
        self._wake.set()

    async def reconfigure(self, config: Config, timeout: float = 10.0) -> None:
        """Apply a new config: a device whose section changed is closed and opened anew."""
        old, new = self._wanted(self._config), self._wanted(config)
        self._config = config
        for kind in (FISCAL_REGISTER, RECEIPT_PRINTER):
            if old[kind] == new[kind]:
                continue
            handle: DeviceHandle | None = getattr(self, kind)
            if handle is not None:
                await handle.close(timeout)
            setattr(self, kind, DeviceHandle(kind, new[kind], self.profiles) if new[kind] else None)
            log.info("%s settings changed: %s", kind, "re-opening" if new[kind] else "no longer configured")
        self.poll_now()

    def profiles_changed(self, names: set[str]) -> None:
        for handle in self.handles:
            if handle.settings.profile in names:
                log.info("profile %s changed: re-opening the %s", handle.settings.profile, handle.kind)
                handle.reopen()
        self.poll_now()

    def summary(self, kind: str, lang: str | None) -> dict[str, Any] | None:
        handle = getattr(self, kind)
        if handle is not None:
            return handle.summary(lang)
        if kind == RECEIPT_PRINTER:
            return None
        settings = self._config.printer
        return {
            "state": NOT_CONFIGURED,
            "model": None,
            "profile": settings.profile,
            "port": None,
            "mode": None,
            "message": translate(N_("no [printer] port in the config"), lang),
        }

    async def close(self, timeout: float) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await asyncio.gather(*(handle.close(timeout) for handle in self.handles))
