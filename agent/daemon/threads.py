"""The daemon's threads, every one started before READY, so their count stays what it was then.

- the loop's default executor (``asyncio.to_thread``: the journal's store work, logins, pairing):
  a fixed ``IO_WORKERS``, all started here;
- AnyIO's worker threads, where FastAPI runs the local API's plain ``def`` endpoints and
  dependencies: one is started here. AnyIO starts another only for a request that finds every one
  busy (at most one per request in flight, and uvicorn holds at most ``MAX_CONNECTIONS``), and
  ends an extra one once it has been idle for 10 s; the last one stays. So their count follows how
  many clients call at once and falls back; it does not climb over a day;
- the one thread that watches every back-office and marketplace request's deadline;
- elsewhere, started by their owners before READY: one thread per serial port
  (``devices.py``), sync's pool (``agent/sync/scheduler.py``), the config file watcher.
"""

from __future__ import annotations

import asyncio

import anyio.to_thread

from agent.http_exchange import deadlines
from agent.thread_pool import WarmPool

IO_WORKERS = 6  # the journal, the API's store reads and logins at once; a sale needs one at a time


def _nothing() -> None:
    pass


async def start_threads() -> None:
    pool = WarmPool(IO_WORKERS, "kassa-io")
    pool.start_all()
    asyncio.get_running_loop().set_default_executor(pool)
    await anyio.to_thread.run_sync(_nothing)
    deadlines.start()
