"""The torture's short form: a small mix under kills, power cycles, printer and network faults ends
with the FN, the journal and the back office in agreement (the long form is `python -m bench.torture`)."""

from __future__ import annotations

import os
import random
import time

import pytest

from bench.torture import last_line, run
from bench.torture_faults import FaultThread, Tally, start_daemon
from bench.torture_mix import Ledger
from bench.torture_stack import stack

pytestmark = pytest.mark.slow


def test_a_short_torture_loses_nothing_and_doubles_nothing():
    result = run(kills=3, power=2, net_chaos=True, printer=2, seed=20, clients=(1, 1), verbose=False)
    verdict = result["verdict"]
    assert result["problems"] == [] and verdict.problems() == [], last_line(result)
    tally = result["tally"]
    assert (tally.kills, tally.power, sum(tally.printer.values())) == (3, 2, 2)
    assert result["net_faults"] > 0 and verdict.docs > 0
    assert last_line(result).endswith("lost=0 doubled=0 mismatched=0")


def test_a_second_daemon_is_refused_and_one_that_took_the_lock_of_a_dead_first_is_reaped_at_once():
    tally, said = Tally(), []
    with stack(seed=21, keep_on_error=False) as world:
        faults = FaultThread(world, [], 1.0, random.Random(1), tally, said.append, Ledger())
        faults.twin()
        assert (tally.twins, tally.twins_took_lock, tally.exits) == (1, 0, {}), said

        first = world.daemon.process
        first.terminate()  # as if it had stopped by itself: nobody in the torture killed it
        first.wait(30)
        faults._second_daemon()
        assert tally.twins_took_lock == 1, said
        second = int(world.lock_holder())
        with pytest.raises(ProcessLookupError):
            os.kill(second, 0)  # reaped at once: no stale holder of the state dir
        assert list(tally.exits) == [first.pid]
        assert "exited by itself with code 0 while a second daemon" in tally.exits[first.pid]
        assert "kassa daemon stopped" in tally.exits[first.pid]  # its last log lines come with it
        assert tally.problems() == [tally.exits[first.pid]]

        began = time.monotonic()
        start_daemon(world, tally, patience=0)
        assert tally.restarts_failed == 0 and time.monotonic() - began < 30
