"""The command line contract: the names other tools call."""

from __future__ import annotations

import re

from agent import __version__
from tests.conftest import run_kassa

CONTRACT = [
    "run", "tui", "demo", "pair", "unpair", "sync", "status", "sale", "printer",
    "emulate", "marketplace", "orders", "backoffice",
]  # fmt: skip


def test_help_lists_every_contract_command(clean_env):
    result = run_kassa("--help", env=clean_env)
    assert result.returncode == 0, result.stderr
    listed = set(re.findall(r"^  (\S+)", result.stdout, re.M))
    assert set(CONTRACT) <= listed


def test_version(clean_env):
    result = run_kassa("--version", env=clean_env)
    assert result.returncode == 0
    assert result.stdout.strip() == f"kassa {__version__}"


def test_unknown_command_is_a_usage_error(clean_env):
    result = run_kassa("frobnicate", env=clean_env)
    assert result.returncode == 2
    assert "frobnicate" in result.stderr
    assert "Traceback" not in result.stderr


def test_config_example_is_a_valid_config(clean_env, tmp_path):
    example = run_kassa("config", "example", env=clean_env)
    assert example.returncode == 0
    path = tmp_path / "example.toml"
    path.write_text(example.stdout)
    check = run_kassa("config", "check", "--config", str(path), env=clean_env)
    assert check.returncode == 0, check.stderr
    assert "config is valid" in check.stdout
