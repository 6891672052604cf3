"""agent.toml: typed settings, environment overrides, one readable line per mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.config import DEFAULT_SOCKET, ConfigError, load_settings, parse_config
from tests.conftest import run_kassa


def test_empty_file_is_a_valid_config():
    config = parse_config("", "agent.toml")
    assert config.shop.currency == "RUB"
    assert config.printer.profile == "shtrih-m-01f"
    assert config.receipt_printer is None


def test_documented_keys_load(tmp_path: Path):
    path = tmp_path / "agent.toml"
    path.write_text(
        '[shop]\ncurrency = "PLN"\n[printer]\nport = "/dev/ttyUSB0"\nprofile = "shtrih-m-ptk"\n'
        '[receipt_printer]\nport = "/dev/usb/lp0"\nprofile = "epson-tm-t20ii"\n'
        '[backoffice]\nurl = "https://backoffice.example"\n'
        '[marketplaces.allegro]\nclient_id = "abc"\n'
    )
    settings = load_settings(path, env={})
    assert settings.config.shop.currency == "PLN"
    assert settings.config.receipt_printer.profile == "epson-tm-t20ii"
    assert settings.config.marketplaces.allegro.client_id == "abc"
    assert settings.config.marketplaces.allegro.api_url == "https://api.allegro.pl"
    assert settings.socket == DEFAULT_SOCKET


def test_environment_overrides_paths(tmp_path: Path):
    path = tmp_path / "agent.toml"
    path.write_text('[agent]\nstate_dir = "/srv/kassa"\nsocket = "/srv/kassa.sock"\n')
    assert load_settings(path, env={}).state_dir == Path("/srv/kassa")
    settings = load_settings(
        env={"KASSA_CONFIG": str(path), "KASSA_STATE_DIR": "/x", "KASSA_SOCKET": "/y.sock"}
    )
    assert settings.config_path == path
    assert settings.state_dir == Path("/x")
    assert settings.socket == Path("/y.sock")


def test_named_file_must_exist(tmp_path: Path):
    with pytest.raises(ConfigError, match=r"missing\.toml: no such file"):
        load_settings(env={"KASSA_CONFIG": str(tmp_path / "missing.toml")})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[printer\n", r"agent\.toml: not valid TOML: .*line 1"),
        ("[printer]\nprot = 1\n", r"\[printer\] unknown key 'prot'"),
        ('[printer]\nbaud = "fast"\n', r"\[printer\] baud: expected a whole number \(got 'fast'\)"),
        ('[shop]\ncurrency = "rub"\n', r"\[shop\] currency: expected a three-letter ISO 4217 code"),
        ('[printer]\nprofile = "Shtrih M"\n', r"\[printer\] profile: expected a profile name"),
        ('[agent]\nlog_level = "loud"\n', r"\[agent\] log_level: expected one of 'debug'"),
        ("shop = 5\n", r"shop: expected a \[section\]"),
        ("[backoffice]\ntimeout = -1\n", r"\[backoffice\] timeout: must be greater than 0"),
    ],
)
def test_each_mistake_names_file_key_and_expectation(text, expected):
    with pytest.raises(ConfigError, match=expected):
        parse_config(text, "/etc/kassa/agent.toml")


def test_broken_config_is_one_line_not_a_traceback(clean_env, tmp_path: Path):
    (tmp_path / "agent.toml").write_text('[printer]\nport = "/dev/ttyS0"\nbaud = "fast"\n')
    result = run_kassa("config", "check", env=clean_env)
    assert result.returncode == 78  # EX_CONFIG: systemd does not restart into the same mistake
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(
        f"kassa: config {tmp_path / 'agent.toml'}: [printer] baud: expected a whole number"
    )


def test_config_errors_in_russian(clean_env, tmp_path: Path):
    (tmp_path / "agent.toml").write_text("[printer]\nprot = 1\n")
    result = run_kassa("config", "check", env={**clean_env, "LANG": "ru_RU.UTF-8"})
    assert result.returncode == 78
    assert "неизвестный ключ 'prot'" in result.stderr
