"""`python -m bench` prints its table and writes its JSON (the figures themselves are never asserted)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO


def test_bench_prints_a_table_with_baselines_and_saves_json(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--quick",
            "--only",
            "render",
            "--out",
            str(tmp_path / "out.json"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    header = result.stdout.splitlines()[0].split()
    assert header == ["name", "value", "unit", "baseline", "baseline_value", "target"]
    saved = json.loads((tmp_path / "out.json").read_text())
    assert saved["cases"] and all(case["baseline_value"] for case in saved["cases"])
