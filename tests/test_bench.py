"""`python -m bench` prints its table and writes its JSON in the agreed shape (figures are never asserted)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bench.__main__ import FIELDS, parse_target, verdict
from tests.conftest import REPO


def test_bench_prints_a_table_and_saves_json_in_the_agreed_shape(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", "render", "--out", str(tmp_path / "out.json")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    header = result.stdout.splitlines()[0].split()
    assert header == ["id", "value", "unit", "baseline_value", "ratio", "target", "met"]
    saved = json.loads((tmp_path / "out.json").read_text())
    assert set(saved) == {"quick", "python", "machine", "cases", "failed"}
    assert saved["quick"] is True and saved["failed"] == []
    assert [case["id"] for case in saved["cases"]] == ["render", "printer-status"]
    for case in saved["cases"]:
        assert list(case) == list(FIELDS)
        assert isinstance(case["value"], int | float) and isinstance(case["baseline_value"], int | float)
        assert case["ratio"] == round(case["value"] / case["baseline_value"], 3)
        parse_target(case["target"])
        assert isinstance(case["met"], bool)


def test_only_takes_a_case_id_and_keeps_just_that_row(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--quick",
            "--only",
            "printer-status",
            "--out",
            str(tmp_path / "o.json"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert [case["id"] for case in json.loads((tmp_path / "o.json").read_text())["cases"]] == [
        "printer-status"
    ]


def test_a_target_is_checked_on_the_ratio_or_on_the_value():
    on_ratio = verdict({"id": "x", "value": 130, "baseline_value": 100, "target": "<= 1.2", "on": "ratio"})
    assert on_ratio["ratio"] == 1.3 and on_ratio["met"] is False
    on_value = verdict({"id": "y", "value": 4.2, "baseline_value": 5, "target": "< 5"})
    assert on_value["ratio"] == 0.84 and on_value["met"] is True
    assert "on" not in on_value and list(on_value) == list(FIELDS)
    assert verdict({"id": "z", "value": 1, "baseline_value": 2, "target": None})["met"] is None
    with pytest.raises(ValueError):
        parse_target("in minutes, not hours")


def test_the_floor_under_idle_rss_runs_as_the_daemon_does(tmp_path):
    """bench/floor.py blocks what ``kassa run`` blocks, is no table module, and measures a process."""
    from agent.cli import NEVER_IMPORTED
    from bench.__main__ import discover
    from bench.floor import BLOCKED

    assert BLOCKED == NEVER_IMPORTED
    assert "floor" not in discover()
    from bench.shop import _floor

    kib = _floor(tmp_path)  # as the idle-rss row runs it: a fresh interpreter
    assert 10_000 < kib < 1_000_000  # a live interpreter holding the libraries, in KiB
    assert (tmp_path / "floor" / "floor.db").exists()
