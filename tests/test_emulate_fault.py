"""`kassa emulate fault` reaches either emulator through the same control socket."""

from __future__ import annotations

from tests.conftest import run_kassa
from tests.fixtures.escpos import escpos_emulator
from tests.fixtures.kkt import kkt_emulator


def test_one_fault_command_for_the_register_and_the_printer(tmp_path, clean_env):
    with kkt_emulator(tmp_path) as kkt, escpos_emulator(tmp_path) as printer:
        assert (
            run_kassa("emulate", "fault", "--link", str(kkt.link), "paper-out", env=clean_env).stdout
            == "ok\n"
        )
        assert run_kassa("emulate", "fault", "--link", str(kkt.link), "clear", env=clean_env).returncode == 0

        done = run_kassa("emulate", "fault", "--link", str(printer.link), "paper-end", env=clean_env)
        assert done.returncode == 0, done.stderr
        status = run_kassa(
            "printer", "status", "--port", str(printer.link), "--profile", "escpos-emulator", env=clean_env
        )
        assert status.returncode == 1 and "paper" in status.stdout.lower() + status.stderr.lower()

        wrong = run_kassa("emulate", "fault", "--link", str(printer.link), "paper-out", env=clean_env)
        assert wrong.returncode == 2
        assert "does not take the fault paper-out" in wrong.stderr and "paper-end" in wrong.stderr


def test_no_emulator_at_the_link_says_so(tmp_path, clean_env):
    result = run_kassa("emulate", "fault", "--link", str(tmp_path / "nothing"), "clear", env=clean_env)
    assert result.returncode == 1 and "no emulator is running" in result.stderr
