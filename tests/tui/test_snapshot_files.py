"""Every saved screen snapshot belongs to a test: a stale one would never be compared again.

syrupy fails a run on unused snapshots only when the suite runs in one process; it runs in
worker processes (pyproject's addopts), so the check is made here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

SNAPSHOTS = Path(__file__).parent / "__snapshots__"


def test_every_snapshot_file_belongs_to_a_collected_test():
    modules = sorted(directory.name for directory in SNAPSHOTS.iterdir() if directory.is_dir())
    collect = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-n", "0", "-p", "no:cacheprovider"]
    result = subprocess.run(
        [*collect, *(f"tests/tui/{module}.py" for module in modules)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    tests = {
        (Path(path).stem, name)
        for path, _, name in (line.partition("::") for line in result.stdout.splitlines())
        if name
    }
    files = {(svg.parent.name, svg.stem) for svg in SNAPSHOTS.glob("*/*.svg")}
    assert len(files) > 10 and files <= tests, sorted(files - tests)
