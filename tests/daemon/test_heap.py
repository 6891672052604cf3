"""The daemon gives freed heap back at rest, and does not load what its libraries would load unasked."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from agent.daemon.heap import Heap, trim_at_rest

MIB = 1024 * 1024


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


class FakeHeap:
    """malloc's free bytes as a script of readings; counts the trims."""

    available = True

    def __init__(self, readings: list[int]):
        self.readings = readings
        self.trims = 0

    def free_bytes(self) -> int:
        return self.readings.pop(0) if len(self.readings) > 1 else self.readings[0]

    def trim(self) -> None:
        self.trims += 1


def run_for(heap: FakeHeap, periods: int) -> None:
    async def main():
        task = asyncio.create_task(trim_at_rest(heap, period=0.01, worth=MIB))
        await asyncio.sleep(0.01 * periods + 0.005)
        task.cancel()

    asyncio.run(main())


def test_trims_once_after_memory_is_freed_and_not_again_at_rest():
    # start, then a sync frees 8 MiB; after the trim malloc still counts 7 MiB free (fragments)
    heap = FakeHeap([1 * MIB, 9 * MIB, 7 * MIB, 7 * MIB])
    run_for(heap, 8)
    assert heap.trims == 1


def test_no_trim_while_the_freed_memory_is_reused():
    # a little churn below the threshold, then the free memory taken back: nothing to give
    heap = FakeHeap([4 * MIB, 4 * MIB + MIB // 2, 3 * MIB, 3 * MIB + MIB // 2, 2 * MIB])
    run_for(heap, 8)
    assert heap.trims == 0


def test_a_rise_from_the_lowest_reading_counts():
    heap = FakeHeap([6 * MIB, 2 * MIB, 3 * MIB + MIB // 2, 3 * MIB + MIB // 2])
    run_for(heap, 6)
    assert heap.trims == 1


@pytest.mark.skipif(not Heap().available, reason="not glibc 2.33 or newer")
def test_trim_gives_freed_heap_back_to_the_system():
    heap = Heap()
    # blocks under malloc's mmap threshold come from its arenas; the last one pins the top
    blocks = [bytearray(64 * 1024) for _ in range(800)]
    for block in blocks:
        block[::4096] = b"x" * len(block[::4096])  # touch every page
    pin = bytearray(64 * 1024)
    before_free = heap.free_bytes()
    del blocks
    freed = heap.free_bytes() - before_free
    assert freed >= 40 * MIB
    rss = rss_bytes()
    heap.trim()
    assert rss - rss_bytes() >= 30 * MIB
    del pin


def test_the_daemon_does_not_load_httpx_cli_nor_pydantic_v1():
    probe = """
import sys
from agent.cli import skip_unused_imports
skip_unused_imports()
import httpx
from agent.api.app import create_app
from agent.daemon.runner import Daemon
from fastapi.encoders import jsonable_encoder
from agent.api.schemas import ErrorBody
app = create_app(None)
assert jsonable_encoder(ErrorBody(error={"code": "x", "message": "y"})) is not None
with httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(204))) as client:
    assert client.get("http://kassa/").status_code == 204
loaded = sorted(name for name, module in sys.modules.items() if module is not None)
print(" ".join(n for n in loaded if n.split(".")[0] in ("rich", "pygments") or n.startswith("pydantic.v1")))
"""
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_no_kassa_command_loads_httpx_cli_nor_pydantic_v1(clean_env):
    """A command that talks to the daemon imports httpx and pydantic, and neither of the two."""
    probe = """
import atexit, sys
def loaded():
    names = sorted(name for name, module in sys.modules.items() if module is not None)
    unused = [n for n in names if n.split(".")[0] in ("rich", "pygments") or n.startswith("pydantic.v1")]
    print("httpx" in names, *unused)
atexit.register(loaded)
sys.argv = ["kassa", "status"]
from agent.cli import main
main()
"""
    result = subprocess.run(
        [sys.executable, "-c", probe], env=clean_env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0 and "kassa:" in result.stderr  # no daemon is running
    assert result.stdout.strip() == "True"
