"""A register's upload killed with SIGKILL at one step of its pipeline (tests/sync/test_outbox_kill.py).

    python -m tests.sync.outbox_kill STATE_DIR STEP N

Runs the receipts stream on the paired register in STATE_DIR, batches of 5, on a pool of sync's
size as the daemon does, and kills the process the N-th time it reaches STEP:

- ``read``: a batch's payloads were built (not yet encoded or sent);
- ``send``: a request is about to leave;
- ``answer``: the back office has stored a batch and answered; the register has not seen it;
- ``verdicts``: a batch's verdicts are written, not committed, while the next batch went out and
  was stored (the process waits for that, so the overlap is what is killed);
- ``written``: a batch's verdicts are committed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from pathlib import Path

BATCH = 5
OVERLAP_WAIT = 20.0  # seconds ``verdicts`` waits for the next batch to be answered


def main(state_dir: Path, step: str, count: int) -> None:
    from agent.backoffice import BackofficeClient
    from agent.sync import receipts
    from agent.sync.scheduler import WORKERS
    from agent.thread_pool import WarmPool
    from tests.sync.harness import Register

    seen = dict.fromkeys(("read", "send", "answer", "verdicts", "written"), 0)
    changed = threading.Condition()

    def at(name: str, last: bool = False) -> None:
        with changed:
            seen[name] += 1
            reached = seen[name]
            changed.notify_all()
            if name != step or reached != count:
                return
            overlap = name == "verdicts" and not last
            if overlap and not changed.wait_for(lambda: seen["answer"] > count, timeout=OVERLAP_WAIT):
                print("the next batch never went out while the verdicts were written", file=sys.stderr)
                os._exit(4)
        os.kill(os.getpid(), signal.SIGKILL)

    register = Register(state_dir)
    stream = register.engine.streams["receipts"]
    stream.batch = BATCH
    build = stream.payload

    def payload(session, docs):
        built = build(session, docs)
        at("read")
        return built

    stream.payload = payload
    send = BackofficeClient.send_documents

    def send_documents(client, body):
        at("send")
        results = send(client, body)
        at("answer")
        return results

    BackofficeClient.send_documents = send_documents
    apply = receipts._apply_results

    class Dying:
        """The store, whose write dies after its statements and before its commit."""

        def __init__(self, store, last: bool):
            self._store = store
            self._last = last

        @contextlib.contextmanager
        def write(self, **kwargs):
            with self._store.write(**kwargs) as session:
                yield session
                at("verdicts", self._last)

    def apply_results(store, ids, *args):
        done = apply(Dying(store, len(ids) < BATCH), ids, *args)
        at("written")
        return done

    receipts._apply_results = apply_results
    pool = WarmPool(WORKERS, "kassa-sync")
    pool.start_all()
    register.engine.pool = pool
    result = register.engine.run("receipts")
    print(f"never reached {step} {count}: {result}", file=sys.stderr)
    sys.exit(3)


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]))
