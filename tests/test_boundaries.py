"""The import rules of docs/architecture.md: checked on what each package really loads, and on every
import statement of every file (those inside functions too) for cycles."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

PROBE = """
import importlib, json, pkgutil, sys
loaded = []
for root in sys.argv[1].split(","):
    package = importlib.import_module(root)
    for info in pkgutil.walk_packages(package.__path__, root + "."):
        if ".migrations" in info.name or info.name.endswith("__main__"):
            continue
        importlib.import_module(info.name)
        loaded.append(info.name)
print(json.dumps({"modules": sorted(sys.modules), "walked": loaded}))
"""


def modules_loaded_by(*packages: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, ",".join(packages)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    return set(json.loads(result.stdout)["modules"])


def loaded_by(*packages: str) -> set[str]:
    return {name.split(".")[0] for name in modules_loaded_by(*packages)}


def test_agent_and_drivers_never_load_textual_tui_or_sim():
    roots = loaded_by("agent", "drivers")
    assert not roots & {"textual", "tui", "sim"}


def test_drivers_load_nothing_of_the_agent():
    roots = loaded_by("drivers")
    assert not roots & {"agent", "tui", "sim", "textual", "sqlmodel", "sqlalchemy", "fastapi"}


def test_tui_reaches_the_daemon_only_through_the_local_api():
    loaded = modules_loaded_by("tui")
    forbidden = {"sim", "drivers", "sqlmodel", "sqlalchemy", "serial", "escpos"}
    daemon_side = ("agent.store", "agent.journal", "agent.daemon", "agent.sync", "agent.pairing", "agent.api")
    assert not {name.split(".")[0] for name in loaded} & forbidden
    contract = {"agent.api", "agent.api.schemas"}  # the local API's models, importable alone
    assert not [name for name in loaded if name.startswith(daemon_side) and name not in contract]


PACKAGES = ("common", "agent", "drivers", "tui", "sim")


def project_modules() -> dict[str, Path]:
    """Every module of the project by dotted name (a package by its ``__init__.py``)."""
    found = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            parts = list(path.relative_to(REPO).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imported_by(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules ``path`` imports anywhere: at the top, in functions, under TYPE_CHECKING."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                targets.add(submodule if submodule in modules else base)
    found = set()
    for target in targets:
        while target and target not in modules:
            target = target.rpartition(".")[0]
        if target and target != name:
            found.add(target)
    return found


def import_cycles() -> list[frozenset[str]]:
    """The strongly connected parts of the import graph (Tarjan), each a set of modules."""
    modules = project_modules()
    graph = {name: imported_by(name, path, modules) for name, path in modules.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            part = set()
            while True:
                member = stack.pop()
                part.add(member)
                if member == node:
                    break
            if len(part) > 1:
                cycles.append(frozenset(part))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(graph)))
    for node in graph:
        if node not in index:
            visit(node)
    return cycles


def describe(cycle: frozenset[str]) -> str:
    modules = project_modules()
    return " <-> ".join(str(modules[name].relative_to(REPO)) for name in sorted(cycle))


def test_the_cycle_finder_sees_imports_inside_functions(tmp_path, monkeypatch):
    (tmp_path / "agent").mkdir()
    (tmp_path / "agent" / "__init__.py").write_text("")
    (tmp_path / "agent" / "a.py").write_text("from agent import b\n")
    (tmp_path / "agent" / "b.py").write_text("def late():\n    from .a import x\n")
    monkeypatch.setattr(sys.modules[__name__], "REPO", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "PACKAGES", ("agent",))
    assert import_cycles() == [frozenset({"agent.a", "agent.b"})]
    assert describe(import_cycles()[0]) == "agent/a.py <-> agent/b.py"


def test_no_import_cycles():
    found = [describe(cycle) for cycle in import_cycles()]
    assert not found, "import cycles (imports inside functions count):\n" + "\n".join(found)


def test_common_is_a_leaf_every_package_may_import():
    roots = loaded_by("common")
    assert not roots & {"agent", "drivers", "tui", "sim", "textual", "fastapi", "sqlmodel", "serial", "httpx"}


def test_the_emulated_register_shares_no_code_with_the_driver():
    """sim/kkt reads frames, money, text and TLV its own way: the two cannot agree by construction."""
    loaded = modules_loaded_by("sim.kkt")
    assert not [name for name in loaded if name == "drivers.shtrih" or name.startswith("drivers.shtrih.")]
