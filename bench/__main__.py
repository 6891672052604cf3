"""`python -m bench [--quick]`: run every benchmark module, print a table, save bench/results/latest.json.

A benchmark module is any ``bench/<name>.py`` with ``cases(quick: bool) -> list[dict]``; each case
reports its value next to a baseline measured in the same run, so a slow machine slows both.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import platform
import sys
import time
import traceback
from pathlib import Path

import bench

RESULTS = Path(__file__).with_name("results")
COLUMNS = ("name", "value", "unit", "baseline", "baseline_value", "target")
SKIP = {"__main__", "torture"}


def discover() -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules(bench.__path__) if info.name not in SKIP)


def fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if value < 100 else f"{value:,.0f}"
    return str(value)


def table(rows: list[dict]) -> str:
    cells = [COLUMNS, *[tuple(fmt(row.get(key, "")) for key in COLUMNS) for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for CI and a first look")
    parser.add_argument("--only", action="append", help="run only these modules")
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json", help="where the JSON goes")
    args = parser.parse_args(argv)

    rows: list[dict] = []
    failed = []
    for name in args.only or discover():
        module = importlib.import_module(f"bench.{name}")
        if not hasattr(module, "cases"):
            continue
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        try:
            for case in module.cases(args.quick):
                rows.append({"module": name, **case})
        except Exception:
            traceback.print_exc()
            failed.append(name)
        print(f"bench: {name} done in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)

    print(table(rows))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "quick": args.quick,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cases": rows,
        "failed": failed,
    }
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    if failed:
        print(f"bench: failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
