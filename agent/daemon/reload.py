"""Watching the config file and the profile directory, with a debounce.

Editors save by writing a temp file and renaming it over the old one, and some write in
several steps, so we watch the directory (not the file's inode) and act once the directory
has been quiet for ``debounce`` seconds. The callbacks run on the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

log = logging.getLogger("kassa.reload")


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: Watcher, key: str, match: Callable[[Path], bool]):
        self.watcher, self.key, self.match = watcher, key, match

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        paths = [event.src_path, getattr(event, "dest_path", "")]
        if any(path and self.match(Path(str(path))) for path in paths):
            self.watcher.touch(self.key)


class Watcher:
    """Calls ``callback()`` once per burst of changes to the files ``match`` accepts."""

    def __init__(self, loop: asyncio.AbstractEventLoop, debounce: float = 0.5):
        self.loop = loop
        self.debounce = debounce
        self._observer = Observer()
        self._callbacks: dict[str, Callable[[], Awaitable[None]]] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._running: set[asyncio.Task] = set()

    def watch(
        self, directory: Path, match: Callable[[Path], bool], callback: Callable[[], Awaitable[None]]
    ) -> None:
        key = f"{directory}:{len(self._callbacks)}"
        self._callbacks[key] = callback
        self._observer.schedule(_Handler(self, key, match), str(directory), recursive=False)
        log.debug("watching %s", directory)

    def touch(self, key: str) -> None:
        """From the observer's thread: (re)start the quiet-period timer of ``key``."""
        self.loop.call_soon_threadsafe(self._restart_timer, key)

    def _restart_timer(self, key: str) -> None:
        timer = self._timers.pop(key, None)
        if timer is not None:
            timer.cancel()
        self._timers[key] = self.loop.call_later(self.debounce, self._fire, key)

    def _fire(self, key: str) -> None:
        self._timers.pop(key, None)
        task = self.loop.create_task(self._run(key))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _run(self, key: str) -> None:
        try:
            await self._callbacks[key]()
        except Exception:
            log.exception("applying a change failed; the previous settings stay in force")

    def start(self) -> None:
        self._observer.daemon = True
        self._observer.start()

    def stop(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        self._observer.stop()
        self._observer.join(timeout=5)
