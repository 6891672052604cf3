"""The next item of a sequence made on another of sync's threads while the caller works on this
one: one ahead, never more.

A catalog page is read while the one before is stored; the outbox reads a batch while the one
before is at the back office, and sends it while the verdicts of the one before are written
(agent/sync/receipts.py). Done one after the other such steps add up, done at once the slower
sets the pace. Only the making moves to another of sync's threads (never one the journal or the
API use); what the caller does with an item (storing it, and so the cursor or the verdicts) stays
with the caller, so nothing is counted as done before it is committed. Memory stays bounded: the
item being worked on and the one made ahead.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")
_END = object()


def read_ahead(pages: Iterable[T], reader: Executor | None = None) -> Iterator[T]:
    """``pages`` in order, the next one read in ``reader`` while the caller works on this one:
    sync's own pool in the daemon (``attempt.pool``: it starts no thread of its own,
    docs/architecture.md, "Threads"); elsewhere (``kassa sync`` without a daemon, tests) one thread
    for this run.

    A page that failed to arrive raises its error where it would have been yielded. Close the
    iterator (``contextlib.closing``) when stopping early: that waits for the read in flight, which
    ends by its own deadline or at once when the client is aborted.
    """
    source = iter(pages)
    own = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kassa-sync-read") if reader is None else None
    reader = reader or own
    pending = reader.submit(next, source, _END)
    try:
        while True:
            # no worker free to start it (every one busy with other streams): read it here
            page = next(source, _END) if pending.cancel() else pending.result()
            if page is _END:
                return
            pending = reader.submit(next, source, _END)
            yield page  # type: ignore[misc]
    finally:
        # cancelled before a worker took it, it never runs: waiting would wait for a worker to come
        # free (another stream's whole run); begun, it is waited for, so the source is never read
        # by two threads, nor after this returns
        if not pending.cancel():
            wait([pending])
        if own is not None:
            own.shutdown()
