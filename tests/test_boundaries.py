"""Import rules of DESIGN.md section 2, checked on what each package really loads."""

from __future__ import annotations

import json
import subprocess
import sys

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
    assert not [name for name in loaded if name.startswith(daemon_side)]
