"""`kassa emulate kkt|journal|fault` as a technician runs them."""

from __future__ import annotations

import json

import pytest

from drivers.fiscal_register import Payments, ReceiptKind
from drivers.shtrih import open_register
from drivers.shtrih.errors import PortUnavailable
from tests.conftest import run_kassa
from tests.kkt.conftest import item


def test_journal_and_fault_commands(register, emulator, clean_env):
    register.open_shift()
    register.open_receipt(ReceiptKind.SALE)
    register.add_item(item(1))
    register.close_receipt(Payments({"cash": 10000}), total=10000)
    result = run_kassa("emulate", "journal", "--state", str(emulator.state), env=clean_env)
    assert result.returncode == 0, result.stderr
    docs = json.loads(result.stdout)
    assert [d["type"] for d in docs] == ["shift_open", "receipt"]
    assert set(docs[1]) >= {
        "fd",
        "type",
        "shift",
        "datetime",
        "total",
        "items",
        "payments",
        "tags",
        "fiscal_sign",
    }

    result = run_kassa("emulate", "fault", "--link", str(emulator.link), "paper-out", env=clean_env)
    assert result.returncode == 0 and result.stdout.strip() == "ok"
    assert register.status().paper_out


def test_unknown_fault_and_missing_emulator_are_one_line_errors(tmp_path, clean_env):
    result = run_kassa("emulate", "fault", "--link", str(tmp_path / "kkt"), "meltdown", env=clean_env)
    assert result.returncode == 2
    assert "unknown fault meltdown" in result.stderr and "Traceback" not in result.stderr
    result = run_kassa("emulate", "fault", "--link", str(tmp_path / "kkt"), "clear", env=clean_env)
    assert result.returncode == 1 and "no emulator is running" in result.stderr
    result = run_kassa("emulate", "journal", "--state", str(tmp_path / "none.json"), env=clean_env)
    assert result.returncode == 1 and "no emulator state" in result.stderr


def test_the_link_disappears_when_the_emulator_stops(emulator):
    assert emulator.link.is_symlink()
    emulator.stop()
    assert not emulator.link.exists() and not emulator.link.is_symlink()


def test_detect_finds_the_emulator_and_its_profile(emulator, clean_env, tmp_path):
    missing = str(tmp_path / "ttyUSB9")
    result = run_kassa(
        "printer", "detect", "--port", missing, "--port", str(emulator.link), "--json", env=clean_env
    )
    assert result.returncode == 0, result.stderr
    (found,) = json.loads(result.stdout)
    assert found == {
        "port": str(emulator.link),
        "baud": 115200,
        "model": "ШТРИХ-М-01Ф",
        "serial": "0012345678",
        "fn_serial": "9960440300123456",
        "inn": "7701234560",
        "profile": "shtrih-m-01f",
    }
    result = run_kassa("printer", "detect", "--port", missing, env=clean_env)
    assert result.returncode == 1 and "no fiscal register found" in result.stderr


def test_a_port_has_one_owner(register, emulator, profile):
    with pytest.raises(PortUnavailable) as error:
        open_register(str(emulator.link), profile)
    assert error.value.code == "port_unavailable"
    assert register.status().mode == 4  # the owner is undisturbed
