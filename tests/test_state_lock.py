"""One daemon per state dir, and a crashed one never leaves a stale lock."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from agent.state_lock import StateDirLock, StateDirLocked

HOLD = """
import sys, time
from agent.state_lock import StateDirLock
StateDirLock(sys.argv[1]).acquire()
print("locked", flush=True)
time.sleep(60)
"""


def test_second_holder_is_refused_with_the_pid(tmp_path: Path):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(StateDirLocked, match=rf"pid {holder.pid}\).*{tmp_path}"):
            StateDirLock(tmp_path).acquire()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    # SIGKILL released it: the restarted daemon gets the lock
    with StateDirLock(tmp_path):
        pass


def test_release_and_reacquire(tmp_path: Path):
    lock = StateDirLock(tmp_path)
    lock.acquire()
    lock.release()
    with StateDirLock(tmp_path):
        pass
