"""Shared fixtures. Tests drive real parts: real files, real processes, real sockets on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
KASSA = [sys.executable, "-m", "agent"]


@pytest.fixture
def clean_env(tmp_path: Path) -> dict[str, str]:
    """An environment for a kassa subprocess with its own state dir, socket and an empty config."""
    config = tmp_path / "agent.toml"
    config.write_text("")
    env = {key: value for key, value in os.environ.items() if not key.startswith("KASSA_")}
    env.update(
        KASSA_CONFIG=str(config),
        KASSA_STATE_DIR=str(tmp_path / "state"),
        KASSA_SOCKET=str(tmp_path / "agent.sock"),
        LANG="C.UTF-8",
        LANGUAGE="",
        PYTHONUNBUFFERED="1",
    )
    env.pop("LC_ALL", None)
    env.pop("LC_MESSAGES", None)
    return env


def run_kassa(*args: str, env: dict[str, str], timeout: float = 60, **kwargs) -> subprocess.CompletedProcess:
    """Run the `kassa` CLI as a user would, capturing its output."""
    return subprocess.run(
        [*KASSA, *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=REPO, **kwargs
    )


def uid(name: str) -> str:
    """A readable test name as the UUID the journal and the back office require (stable per name)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"kassa-test:{name}"))


@pytest.fixture
def english():
    from agent.i18n import set_language

    set_language("en")
    yield "en"
    set_language("en")


@pytest.fixture
def russian():
    from agent.i18n import set_language

    set_language("ru")
    yield "ru"
    set_language("en")


def pytest_collection_modifyitems(config, items):
    """The files with slow tests first: the workers take whole files in this order, and a long file
    taken last would run alone at the end."""
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)


def pytest_configure(config):
    """Compile kassa's sources once, before the workers start: most tests start the daemon, the CLI
    or an emulator as processes, and where bytecode is not written (PYTHONDONTWRITEBYTECODE) each of
    them would otherwise compile every module it imports again."""
    if hasattr(config, "workerinput"):
        return
    import compileall

    for package in ("agent", "common", "drivers", "sim", "tui", "bench"):
        compileall.compile_dir(REPO / package, quiet=1, workers=0)
