"""`kassa printer test|status` against `kassa emulate escpos`, as a technician runs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_kassa
from tests.fixtures.escpos import escpos_emulator

EXPECTED = Path(__file__).parent / "expected"


@pytest.fixture(scope="module")
def virtual(tmp_path_factory):
    with escpos_emulator(tmp_path_factory.mktemp("escpos-cli")) as printer:
        yield printer


@pytest.fixture
def clear(virtual):
    yield virtual
    virtual.fault("clear")


@pytest.mark.parametrize(("profile", "columns"), [("xprinter-xp-58", 32), ("generic-80mm", 48)])
def test_printer_test_prints_exactly_the_intended_receipt(virtual, clean_env, profile, columns):
    before = len(virtual.receipts())
    result = run_kassa("printer", "test", "--port", str(virtual.link), "--profile", profile, env=clean_env)
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.splitlines()[0] == f"Test receipt sent to {virtual.link} ({profile}, {columns} columns)"
    )
    printed = virtual.wait_receipts(before + 1)[before]
    assert printed == (EXPECTED / f"printer-test-{profile}.txt").read_text(encoding="utf-8")
    assert "ИТОГ" + " " * (columns - 11) + "=384.49" in printed.splitlines()
    assert 'руб. "ёлка" - №1 ЁЖЗ эюя' in printed


STATUS = [
    ("clear", 0, "Printer ready, paper OK", "Принтер готов, бумага есть"),
    (
        "paper-near-end",
        0,
        "Paper near end: prepare a new roll",
        "Бумага заканчивается: приготовьте новый рулон",
    ),
    ("paper-end", 1, "Out of paper: load a new roll", "Закончилась бумага: вставьте новый рулон"),
    ("cover-open", 1, "Cover open: close the printer cover", "Открыта крышка: закройте крышку принтера"),
    (
        "offline",
        1,
        "No answer from the printer: status unknown; check power and cable",
        "Принтер не отвечает: состояние неизвестно; проверьте питание и кабель",
    ),
]


@pytest.mark.parametrize(("fault", "code", "english", "russian"), STATUS)
def test_printer_status_shows_faults_clearly_in_english_and_russian(
    clear, clean_env, fault, code, english, russian
):
    clear.fault(fault)
    args = ("printer", "status", "--port", str(clear.link), "--profile", "escpos-emulator")
    result = run_kassa(*args, env=clean_env)
    assert (result.returncode, result.stdout.splitlines()) == (
        code,
        [f"Receipt printer Virtual ESC/POS printer at {clear.link}", english],
    )
    result = run_kassa(*args, env={**clean_env, "LANG": "ru_RU.UTF-8"})
    assert (result.returncode, result.stdout.splitlines()) == (
        code,
        [f"Чековый принтер Virtual ESC/POS printer на {clear.link}", russian],
    )


def test_status_and_test_use_the_configured_printer(virtual, clean_env):
    Path(clean_env["KASSA_CONFIG"]).write_text(
        f'[receipt_printer]\nport = "{virtual.link}"\nprofile = "generic-80mm"\n'
    )
    result = run_kassa("printer", "status", env=clean_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "Printer ready, paper OK"


def test_printer_test_refuses_a_printer_out_of_paper(clear, clean_env):
    before = len(clear.receipts())
    clear.fault("paper-end")
    result = run_kassa(
        "printer", "test", "--port", str(clear.link), "--profile", "generic-80mm", env=clean_env
    )
    assert result.returncode == 1
    assert result.stderr.strip() == "kassa: Out of paper: load a new roll"
    assert len(clear.receipts()) == before


def test_no_printer_configured_is_a_clear_error(clean_env):
    result = run_kassa("printer", "status", env=clean_env)
    assert result.returncode == 78
    assert "pass --port and --profile, or set [receipt_printer]" in result.stderr
    result = run_kassa(
        "printer", "status", "--port", "/nonexistent/tty", "--profile", "generic-80mm", env=clean_env
    )
    assert result.returncode == 1
    assert result.stderr.startswith("kassa: receipt printer not found at /nonexistent/tty:")
    assert "Traceback" not in result.stderr


def test_status_of_a_fiscal_register_profile_goes_through_the_shtrih_driver(tmp_path, clean_env):
    from tests.fixtures.kkt import kkt_config, kkt_emulator

    with kkt_emulator(tmp_path) as kkt:
        Path(clean_env["KASSA_CONFIG"]).write_text(kkt_config(kkt))
        result = run_kassa("printer", "status", "--profile", "shtrih-m-01f", env=clean_env)
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines()[0] == f"Fiscal register ШТРИХ-М-01Ф at {kkt.link}"
        assert result.stdout.splitlines()[-1] == "Printer ready, paper OK"
        kkt.fault("paper-out")
        result = run_kassa(
            "printer", "status", "--profile", "shtrih-m-01f", env={**clean_env, "LANG": "ru_RU.UTF-8"}
        )
        assert result.returncode == 1
        assert result.stdout.splitlines()[-1] == "Закончилась бумага: вставьте новый рулон"
