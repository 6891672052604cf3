"""The torture's short form: a small mix under kills, power cycles, printer and network faults ends
with the FN, the journal and the back office in agreement (the long form is `python -m bench.torture`)."""

from __future__ import annotations

import pytest

from bench.torture import last_line, run

pytestmark = pytest.mark.slow


def test_a_short_torture_loses_nothing_and_doubles_nothing():
    result = run(kills=3, power=2, net_chaos=True, printer=2, seed=20, clients=(1, 1), verbose=False)
    verdict = result["verdict"]
    assert result["problems"] == [] and verdict.problems() == [], last_line(result)
    tally = result["tally"]
    assert (tally.kills, tally.power, sum(tally.printer.values())) == (3, 2, 2)
    assert result["net_faults"] > 0 and verdict.docs > 0
    assert last_line(result).endswith("lost=0 doubled=0 mismatched=0")
