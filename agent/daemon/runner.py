"""`kassa run`: start the parts in order, serve until SIGTERM, stop them in reverse.

Start: config (already loaded by the caller) → state-dir lock → store and migrations →
firmware profiles → devices → components (journal, pairing, sync) → local API socket →
READY=1. Stop: STOPPING=1 → no new requests, the requests in flight (and so the device
command in flight) finish, bounded → components in reverse → ports closed → store closed →
socket removed → lock released → exit 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import importlib
import logging
import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agent.client import DAEMON_KEEP_ALIVE
from agent.config import (
    DEFAULT_CONFIG,
    SECRETS_NAME,
    ConfigError,
    Settings,
    keep_restart_keys,
    load_settings,
)
from agent.daemon.api_socket import (
    LISTEN_BACKLOG,
    MAX_CONNECTIONS,
    MAX_HEADER_BYTES,
    SocketInUse,
    bind_api_socket,
    peer_protocol,
    quiet_floods,
    remove_socket,
)
from agent.daemon.context import COMPONENTS, Component, Context, FollowsConfig
from agent.daemon.devices import DeviceManager
from agent.daemon.heap import trim_at_rest
from agent.daemon.notify import notify, watchdog, watchdog_interval
from agent.daemon.profiles import ProfileRegistry
from agent.daemon.threads import start_threads
from agent.i18n import _, set_language
from agent.logging import set_level
from agent.state_lock import StateDirLock, StateDirLocked
from agent.store.health import check_periodically

DISK_FULL_BYTES = 1024 * 1024  # less free than this where the store lives: say "full", not "I/O error"


def _free_bytes(path: Path) -> int | None:
    try:
        stats = os.statvfs(path)
    except OSError:
        return None
    return stats.f_bavail * stats.f_frsize


log = logging.getLogger("kassa.daemon")

# seconds; together well inside the unit's TimeoutStopSec=90
REQUEST_DRAIN_TIMEOUT = 20.0
COMPONENT_STOP_TIMEOUT = 10.0
DEVICE_CLOSE_TIMEOUT = 20.0
# keys that only take effect at the next start


class DaemonStartError(Exception):
    """The daemon cannot start; phrased for a person."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


def load_component(target: str) -> Callable[[Context], Component]:
    """Import "module:Class"; a name that does not resolve stops the start (never a daemon without it)."""
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)


class Daemon:
    def __init__(self, settings: Settings, env: dict[str, str] | None = None):
        self.settings = settings
        self.env = dict(os.environ if env is None else env)
        self.ctx: Context | None = None
        self._lock = StateDirLock(settings.state_dir)
        self._stop = asyncio.Event()
        self._components: list[Component] = []
        self._server: Any = None
        self._serve_task: asyncio.Task | None = None
        self._socket: Any = None
        self._socket_inode: int | None = None
        self._watcher: Any = None
        self._watchdog_task: asyncio.Task | None = None
        self._heap_task: asyncio.Task | None = None
        self._store_check_task: asyncio.Task | None = None

    # ---- start ---------------------------------------------------------------------------------

    async def start(self) -> None:
        settings = self.settings
        # The lock comes before the store: two daemons must never run migrations on the same
        # database at once, and the loser must not touch the file at all.
        try:
            self._lock.acquire()
        except StateDirLocked as exc:
            raise DaemonStartError(str(exc)) from None
        except OSError as exc:
            raise DaemonStartError(
                _("cannot use the state dir {dir}: {error}").format(
                    dir=settings.state_dir, error=exc.strerror
                )
            ) from None
        from agent.store import open_store

        await start_threads()
        try:
            store = await asyncio.to_thread(open_store, settings.state_dir)
        except Exception as exc:
            free = _free_bytes(settings.state_dir)
            if free is not None and free < DISK_FULL_BYTES:
                log.error("opening the store failed: the disk is full (%d bytes free)", free)
                raise DaemonStartError(
                    _(
                        "the disk holding {dir} is full ({free} bytes free): the store cannot be "
                        "opened; free some space there (the service then starts again by itself)"
                    ).format(dir=settings.state_dir, free=free)
                ) from None
            log.exception("opening the store failed")
            raise DaemonStartError(
                _("cannot open the store in {dir}: {error}").format(dir=settings.state_dir, error=exc)
            ) from None
        log.info("store %s ready", store.path)

        def keep(result) -> None:
            store.health = result

        # in the background from here on: its first result is usually in before READY
        self._store_check_task = asyncio.create_task(check_periodically(store.path, keep), name="store check")

        profiles = ProfileRegistry(settings.profile_dir)
        await asyncio.to_thread(profiles.load_directory)
        log.info("%d firmware profiles from %s", len(profiles.names), profiles.directory)

        poll = float(self.env.get("KASSA_POLL_INTERVAL") or 3.0)
        devices = DeviceManager(settings.config, profiles, poll_interval=poll)
        self.ctx = ctx = Context(settings=settings, store=store, devices=devices, profiles=profiles)
        await devices.start()

        for target in COMPONENTS:
            try:
                component = load_component(target)(ctx)
                await component.start()
            except Exception as exc:
                log.exception("%s failed to start", target)
                raise DaemonStartError(
                    _("cannot start {component}: {error}").format(component=target, error=exc)
                ) from None
            self._components.append(component)
            log.info("%s started", type(component).__name__)

        await self._start_api()
        self._start_watcher()
        notify("READY=1\nSTATUS=" + _("serving on {socket}").format(socket=settings.socket))
        log.info("kassa daemon ready on %s (pid %d)", settings.socket, os.getpid())
        interval = watchdog_interval(self.env)
        if interval:
            self._watchdog_task = asyncio.create_task(watchdog(self._healthy, interval), name="watchdog")
        self._heap_task = asyncio.create_task(trim_at_rest(), name="heap")

    async def _start_api(self) -> None:
        import uvicorn

        from agent.api.app import create_app

        try:
            app = create_app(self.ctx)
        except Exception as exc:
            log.exception("building the local API failed")
            raise DaemonStartError(_("cannot build the local API: {error}").format(error=exc)) from None
        try:
            self._socket = bind_api_socket(self.settings.socket, self.settings.config.agent.socket_group)
        except SocketInUse as exc:
            raise DaemonStartError(str(exc)) from None
        self._socket_inode = os.stat(self.settings.socket).st_ino
        config = uvicorn.Config(
            app,
            lifespan="off",
            log_config=None,
            access_log=False,
            server_header=False,
            timeout_graceful_shutdown=REQUEST_DRAIN_TIMEOUT,
            limit_concurrency=MAX_CONNECTIONS,
            backlog=LISTEN_BACKLOG,
            timeout_keep_alive=DAEMON_KEEP_ALIVE,
            h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        )
        config.load()
        config.http_protocol_class = peer_protocol(config.http_protocol_class)
        quiet_floods()
        server = uvicorn.Server(config)
        server.lifespan = config.lifespan_class(config)
        # not server.serve(): it installs its own SIGTERM handler and re-raises the signal at the end
        await server.startup(sockets=[self._socket])
        self._server = server
        self._serve_task = asyncio.create_task(server.main_loop(), name="api")

    def _start_watcher(self) -> None:
        from agent.daemon.reload import Watcher

        watcher = Watcher(asyncio.get_running_loop(), debounce=0.5)
        config_file = self.settings.config_path or DEFAULT_CONFIG
        if config_file.parent.is_dir():
            names = {config_file.name, SECRETS_NAME}
            watcher.watch(config_file.parent, lambda path: path.name in names, self.reload_config)
        profiles = self.ctx.profiles
        if profiles.directory.is_dir():
            watcher.watch(profiles.directory, lambda path: path.suffix == ".toml", self.reload_profiles)
        watcher.start()
        self._watcher = watcher

    async def _healthy(self) -> bool:
        """The loop runs this, so it is alive; the store must answer a query."""
        return await asyncio.to_thread(self.ctx.store.pragma, "user_version") is not None

    # ---- reload --------------------------------------------------------------------------------

    async def reload_config(self) -> None:
        ctx = self.ctx
        path = self.settings.config_path or DEFAULT_CONFIG
        if self.settings.config_path is None and not path.exists():
            return
        try:
            new = await asyncio.to_thread(load_settings, path, self.env)
        except ConfigError as exc:
            log.error("%s; the previous configuration stays in force", exc)
            return
        old = ctx.settings
        for warning in new.warnings:
            log.warning("%s", warning)
        if new.config == old.config and new.config_path == old.config_path:
            log.debug("config %s saved without changes", path)
            return
        config, restart = keep_restart_keys(old.config, new.config)
        for key in restart:
            log.warning(
                "%s changed in %s: it takes effect after a restart (systemctl restart kassa)", key, path
            )
        ctx.settings = dataclasses.replace(
            new,
            config=config,
            state_dir=old.state_dir,
            socket=old.socket,
            profile_dir=old.profile_dir,
            config_path=path,
        )
        self.settings = ctx.settings
        set_level(config.agent.log_level)
        set_language(config.agent.language)
        await ctx.devices.reconfigure(config)
        for service in ctx.services.running().values():
            if isinstance(service, FollowsConfig):
                service.config_changed(config)
        log.info("configuration reloaded from %s", path)

    async def reload_profiles(self) -> None:
        changed = await asyncio.to_thread(self.ctx.profiles.reload)
        if changed:
            self.ctx.devices.profiles_changed(changed)

    # ---- stop ----------------------------------------------------------------------------------

    def request_stop(self, signum: int | None = None) -> None:
        if not self._stop.is_set():
            log.info("stopping (%s)", signal.Signals(signum).name if signum else "requested")
        self._stop.set()
        if self.ctx is not None:
            self.ctx.stopping = True

    async def stop(self) -> None:
        notify("STOPPING=1")
        if self.ctx is not None:
            self.ctx.stopping = True
        for task in (self._watchdog_task, self._heap_task, self._store_check_task):
            if task is not None:
                task.cancel()
        if self._watcher is not None:
            await asyncio.to_thread(self._watcher.stop)
        if self._server is not None:
            # stops accepting, then waits for the requests in flight (and their device commands)
            self._server.should_exit = True
            if self._serve_task is not None:
                await asyncio.gather(self._serve_task, return_exceptions=True)
            await self._server.shutdown(sockets=[self._socket])
        if self._socket is not None:
            remove_socket(self.settings.socket, self._socket_inode)
        for component in reversed(self._components):
            name = type(component).__name__
            try:
                await asyncio.wait_for(component.stop(), COMPONENT_STOP_TIMEOUT)
                log.info("%s stopped", name)
            except TimeoutError:
                log.error("%s did not stop within %s s", name, COMPONENT_STOP_TIMEOUT)
            except Exception:
                log.exception("%s failed to stop cleanly", name)
        if self.ctx is not None:
            await self.ctx.devices.close(DEVICE_CLOSE_TIMEOUT)
            self.ctx.store.close()
        self._lock.release()

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.request_stop, signum)
        try:
            await self.start()
            await self._stop.wait()
        finally:
            await self.stop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
        log.info("kassa daemon stopped")
        return 0


def run_daemon(config_path: Path | str | None = None, env: dict[str, str] | None = None) -> int:
    """Load the config (ConfigError → the caller exits 78), then serve until a signal."""
    from agent.logging import setup_logging

    env = dict(os.environ if env is None else env)
    settings = load_settings(config_path, env)
    setup_logging(settings.config.agent.log_level)
    set_language(settings.config.agent.language)
    for warning in settings.warnings:
        log.warning("%s", warning)
    daemon = Daemon(settings, env)
    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(daemon.run())
    return 0
