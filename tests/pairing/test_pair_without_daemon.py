"""`kassa pair` / `kassa unpair` with the service stopped: the same pairing, done by the CLI itself."""

from __future__ import annotations

import stat
from pathlib import Path

from agent.sync_code import check_symbol
from drivers.profile import PROFILE_DIR
from tests.conftest import run_kassa
from tests.fixtures.backoffice import backoffice_server, free_port
from tests.fixtures.kkt import kkt_config, kkt_emulator


def test_pair_and_unpair_without_a_daemon(tmp_path, clean_env):
    with kkt_emulator(tmp_path) as kkt, backoffice_server(tmp_path, products=2, employees=1) as bo:
        (tmp_path / "agent.toml").write_text(kkt_config(kkt))
        env = {**clean_env, "LANG": "ru_RU.UTF-8"}
        result = run_kassa("pair", bo.code(), "--backoffice", bo.url, env=env)
        assert result.returncode == 0, result.stderr
        assert "Соединение установлено" in result.stdout and "ООО" in result.stdout
        token = tmp_path / "state" / "backoffice.token"
        assert stat.S_IMODE(token.stat().st_mode) == 0o600
        assert token.read_text() not in result.stdout + result.stderr
        unpaired = run_kassa("unpair", "--yes", env=env)
        assert unpaired.returncode == 0 and not token.exists()


def test_pair_without_a_register_says_so(clean_env):
    code = "ABCD2345" + check_symbol("ABCD2345")  # well-typed; the register is asked before any request
    result = run_kassa("pair", code, "--backoffice", f"http://127.0.0.1:{free_port()}", env=clean_env)
    assert result.returncode == 11
    assert "fiscal register" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def site_profile(tmp_path) -> tuple[Path, str]:
    """A profile directory of the site's own: the shipped Shtrih-M profile under another name."""
    directory = tmp_path / "profiles"
    directory.mkdir()
    text = (PROFILE_DIR / "shtrih-m-01f.toml").read_text(encoding="utf-8")
    (directory / "site-shtrih.toml").write_text(text.replace('name = "shtrih-m-01f"', 'name = "site-shtrih"'))
    return directory, "site-shtrih"


def test_pair_without_a_daemon_opens_the_register_as_the_daemon_does(tmp_path, clean_env):
    """Port "auto" and $KASSA_PROFILE_DIR: the one opener the daemon uses, not a second one."""
    profiles, name = site_profile(tmp_path)
    with kkt_emulator(tmp_path) as kkt, backoffice_server(tmp_path, products=2, employees=1) as bo:
        (tmp_path / "agent.toml").write_text(f'[printer]\nport = "auto"\nprofile = "{name}"\n')
        env = {**clean_env, "KASSA_PROFILE_DIR": str(profiles), "KASSA_AUTO_PORTS": str(kkt.link)}
        result = run_kassa("pair", bo.code(), "--backoffice", bo.url, env=env)
        assert result.returncode == 0, result.stderr
        assert "Connection established" in result.stdout

        status = run_kassa("printer", "status", "--profile", name, env=env)
        assert status.returncode == 0, status.stderr
        assert f"at {kkt.link}" in status.stdout and "Shift closed" in status.stdout

        env["KASSA_AUTO_PORTS"] = str(tmp_path / "no-such-tty*")
        missing = run_kassa("printer", "status", "--profile", name, env=env)
        assert missing.returncode != 0 and "no fiscal register found" in missing.stderr
