"""A serial line speed from outside (agent.toml, a firmware profile, the command line) is one a UART
is set to. A speed past a C int made pyserial raise OverflowError out of the port's open, which
nothing took for a port error: the daemon started and logged a traceback at every try to open the
register, and `kassa printer detect` died with one. Each is now refused in words where it is given."""

from __future__ import annotations

import os
import pty

import pytest

from drivers.profile import PROFILE_DIR, ProfileError, load_profile
from tests.conftest import run_kassa
from tests.fixtures.daemon import RunningDaemon
from tests.fixtures.kkt import kkt_config, kkt_emulator

HUGE = 2**31 + 5  # a C int overflows; 10**20 is past TOML's own integers


def test_the_daemon_refuses_a_baud_no_serial_line_runs_at(tmp_path):
    with kkt_emulator(tmp_path) as kkt:
        config = kkt_config(kkt).replace("[printer]\n", f"[printer]\nbaud = {HUGE}\n")
        daemon = RunningDaemon(tmp_path / "d", config, {"LANGUAGE": "ru"})
        try:
            daemon.start(wait=False)
            assert daemon.process.wait(60) == 78, daemon.log()
            log = daemon.log()
            assert (
                "[printer] baud: ожидается скорость последовательного порта, например 9600 или 115200" in log
            )
            assert f"{HUGE}" in log and "Traceback" not in log and "OverflowError" not in log
        finally:
            daemon.cleanup()


def test_printer_detect_refuses_a_baud_no_serial_line_runs_at(tmp_path):
    main, device = pty.openpty()
    try:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("KASSA_", "LC_"))}
        env.update(LANG="C.UTF-8", LANGUAGE="", KASSA_CONFIG=str(tmp_path / "none.toml"))
        (tmp_path / "none.toml").write_text("")
        port = os.ttyname(device)
        done = run_kassa("printer", "detect", "--port", port, "--baud", str(HUGE), env=env)
        assert done.returncode == 2, done.stderr
        assert f"{HUGE} is not a serial line speed: one of 1200, 2400" in done.stderr
        assert "Traceback" not in done.stderr
    finally:
        os.close(main)
        os.close(device)


def test_a_profile_with_a_baud_no_serial_line_runs_at_is_refused(tmp_path):
    path = tmp_path / "shtrih-m-01f.toml"
    path.write_text(
        (PROFILE_DIR / "shtrih-m-01f.toml").read_text().replace("baud = 115200", f"baud = {HUGE}")
    )
    with pytest.raises(ProfileError) as error:
        load_profile(path)
    assert "[serial] baud" in error.value.text and "is not a serial line speed" in error.value.text
