"""`python -m bench [--quick] [--only ID_OR_MODULE...]`: run the benchmarks, print a table, save JSON.

A benchmark module is any ``bench/<name>.py`` with ``cases(quick: bool) -> list[dict]``. Each case
has an ``id``, a ``value`` and a ``baseline_value``: either a baseline measured in the same run
(a slow machine slows both) or, for an absolute target, the bound itself. Its ``target`` is a
comparison and a number (``"<= 1.2"``) applied to the ratio value/baseline_value when the case
says ``"on": "ratio"``, else to the value; ``None`` (a quick run where a bound does not scale)
leaves ``met`` null. How each bound is computed: bench/README.md.
"""

from __future__ import annotations

import argparse
import importlib
import json
import operator
import pkgutil
import platform
import sys
import time
import traceback
from pathlib import Path

import bench

RESULTS = Path(__file__).with_name("results")
COLUMNS = ("id", "value", "unit", "baseline_value", "ratio", "target", "met")
FIELDS = ("id", "name", "value", "unit", "baseline", "baseline_value", "ratio", "target", "met")
SKIP = {"__main__", "soak", "fixtures", "wire", "floor"}  # helpers, and long runs of their own
COMPARE = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt}


def discover() -> list[str]:
    return sorted(
        info.name
        for info in pkgutil.iter_modules(bench.__path__)
        if info.name not in SKIP and not info.name.startswith(("torture", "_"))
    )


def parse_target(target: str) -> tuple[str, float]:
    """``"<= 1.2"`` → ("<=", 1.2); anything else is a bug in the benchmark module."""
    sign, _, number = target.strip().partition(" ")
    if sign not in COMPARE:
        raise ValueError(f"target {target!r} is not '<=|>=|<|> NUMBER'")
    return sign, float(number)


def verdict(case: dict) -> dict:
    """The case in the JSON's shape: its ratio computed and its target checked."""
    value, base = case.get("value"), case.get("baseline_value")
    numeric = all(isinstance(x, int | float) and not isinstance(x, bool) for x in (value, base))
    ratio = round(value / base, 3) if numeric and base else None
    target = case.get("target")
    met = None
    if target is not None:
        sign, bound = parse_target(target)
        subject = ratio if case.get("on") == "ratio" else value
        met = None if subject is None else COMPARE[sign](subject, bound)
    return {**{key: case.get(key) for key in FIELDS}, "ratio": ratio, "met": met}


def fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.0f}"
    return str(value)


def table(rows: list[dict]) -> str:
    cells = [COLUMNS, *[tuple(fmt(row.get(key)) for key in COLUMNS) for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def select(only: list[str] | None) -> tuple[list[str], set[str]]:
    """Modules to run and the case ids to keep (empty: all of them) from ``--only`` names."""
    modules = discover()
    if not only:
        return modules, set()
    chosen, ids = [], set()
    for name in only:
        if name in modules or name in SKIP:
            chosen.append(name)
            if name in modules:  # all of its cases, also beside case ids of the same module
                ids.update(getattr(_load(name), "IDS", ()))
            continue
        owner = next((m for m in modules if name in getattr(_load(m), "IDS", ())), None)
        if owner is None:
            raise SystemExit(f"python -m bench: no benchmark module or case id {name!r}")
        chosen.append(owner)
        ids.add(name)
    return list(dict.fromkeys(chosen)), ids


def _load(name: str):
    return importlib.import_module(f"bench.{name}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for CI and a first look")
    parser.add_argument("--only", nargs="+", action="extend", help="run only these modules or case ids")
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json", help="where the JSON goes")
    args = parser.parse_args(argv)

    modules, ids = select(args.only)
    rows: list[dict] = []
    failed: list[str] = []
    for name in modules:
        module = _load(name)
        if not hasattr(module, "cases"):
            continue
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        wanted = ids & set(getattr(module, "IDS", ())) or None
        try:
            left = set(wanted or ())
            cases = module.cases(args.quick)
            for case in cases:
                if wanted is None or case.get("id") in wanted:
                    rows.append(verdict(case))
                    left.discard(case.get("id"))
                    if wanted is not None and not left:
                        break  # a module's later rows can take minutes nobody asked for
            if hasattr(cases, "close"):
                cases.close()  # a generator's stack (servers, daemons) ends here, not at exit
        except Exception:
            traceback.print_exc()
            failed.append(name)
        print(f"bench: {name} done in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)

    print(table(rows))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "quick": args.quick,
        "python": platform.python_version(),
        "machine": machine(),
        "cases": rows,
        "failed": failed,
    }
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    if failed:
        print(f"bench: failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def machine() -> str:
    """Architecture, CPU model and count, memory: what the figures depend on."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 2**20:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    import os

    return f"{platform.machine()}, {cpu or 'unknown CPU'} × {os.cpu_count()}{memory}, {platform.system()}"


if __name__ == "__main__":
    sys.exit(main())
