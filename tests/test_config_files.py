"""Secrets beside agent.toml, values a running register depends on (time zone, timeout), files that
are not config files, what a reload can apply, and the CAs a ca_bundle adds."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import threading
from pathlib import Path

import certifi
import pytest

from agent.config import ConfigError, keep_restart_keys, load_settings, parse_config
from agent.config.tls import tls_context
from tests.conftest import run_kassa


def write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text)
    path.chmod(mode)
    return path


def test_secrets_come_from_the_file_beside_agent_toml(tmp_path):
    config = write(tmp_path / "agent.toml", '[printer]\nport = "auto"\n', 0o640)
    write(tmp_path / "secrets.toml", "[printer]\noperator_password = 7\nadmin_password = 29\n"
          '[marketplaces.allegro]\nclient_secret = "s3cr3t"\n')  # fmt: skip
    settings = load_settings(config, env={})
    assert settings.config.printer.operator_password == 7
    assert settings.config.printer.admin_password == 29
    assert settings.config.marketplaces.allegro.client_secret == "s3cr3t"
    assert settings.config.printer.port == "auto"
    assert settings.secrets_path == tmp_path / "secrets.toml"
    assert settings.warnings == ()


def test_a_secret_left_in_agent_toml_still_works_with_a_warning(tmp_path):
    config = write(tmp_path / "agent.toml", "[printer]\nadmin_password = 30\n", 0o640)
    settings = load_settings(config, env={})
    assert settings.config.printer.admin_password == 30
    (warning,) = settings.warnings
    assert "[printer] admin_password is a secret" in warning and str(tmp_path / "secrets.toml") in warning
    write(tmp_path / "secrets.toml", "[printer]\nadmin_password = 31\n")
    assert load_settings(config, env={}).config.printer.admin_password == 31  # the secrets file wins


def test_a_secrets_file_others_may_read_is_named(tmp_path):
    config = write(tmp_path / "agent.toml", "", 0o640)
    write(tmp_path / "secrets.toml", "[printer]\noperator_password = 1\n", 0o640)
    (warning,) = load_settings(config, env={}).warnings
    assert "chmod 600" in warning


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[printer]\nport = "auto"\n', r"secrets\.toml: \[printer\] port: not a secret"),
        (
            "[printer]\noperator_password = -1\n",
            r"secrets\.toml: \[printer\] operator_password: must be at least 0",
        ),
        ("[printer\n", r"secrets\.toml: not valid TOML"),
    ],
)
def test_a_bad_secrets_file_is_one_clear_line(tmp_path, text, expected):
    config = write(tmp_path / "agent.toml", "", 0o640)
    write(tmp_path / "secrets.toml", text)
    with pytest.raises(ConfigError, match=expected):
        load_settings(config, env={})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[shop]\ntimezone = "Europe/Moskva"\n', r"\[shop\] timezone: unknown time zone"),
        ('[shop]\ntimezone = "../../etc/passwd"\n', r"\[shop\] timezone: unknown time zone"),
        ("[backoffice]\ntimeout = inf\n", r"\[backoffice\] timeout: must be at most 300"),
        ("[backoffice]\ntimeout = nan\n", r"\[backoffice\] timeout"),
        ("[backoffice]\ntimeout = 0\n", r"\[backoffice\] timeout: must be greater than 0"),
        ('[printer]\nprofile = "shtrih-m-01f\\n"\n', r"\[printer\] profile: expected a profile name"),
    ],
)
def test_values_the_register_depends_on_are_checked(text, expected):
    with pytest.raises(ConfigError, match=expected):
        parse_config(text, "/etc/kassa/agent.toml")


def test_a_known_zone_and_a_sane_timeout_load():
    config = parse_config('[shop]\ntimezone = "Europe/Moscow"\n[backoffice]\ntimeout = 30\n', "agent.toml")
    assert config.shop.timezone == "Europe/Moscow" and config.backoffice.timeout == 30


@pytest.mark.parametrize("name", ["/dev/zero", "fifo", "huge.toml"])
def test_a_file_that_is_not_a_config_is_one_clear_line(clean_env, tmp_path, name):
    if name == "fifo":  # opening it would wait for a writer forever
        path = tmp_path / "agent.fifo"
        os.mkfifo(path)
    elif name == "huge.toml":
        path = tmp_path / name
        with path.open("wb") as handle:
            handle.truncate(64 << 20)  # sparse: 64 MiB of zeros
    else:
        path = Path(name)
    result = run_kassa("config", "check", "--config", str(path), env=clean_env, timeout=30)
    assert result.returncode == 78, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert ("not a regular file" in lines[0]) or ("larger than 1024 KiB" in lines[0]), lines


def test_config_check_names_the_secrets_file_and_the_warnings(clean_env, tmp_path):
    config = Path(clean_env["KASSA_CONFIG"])
    config.write_text("[printer]\noperator_password = 30\n")
    result = run_kassa("config", "check", env=clean_env)
    assert result.returncode == 0, result.stderr
    assert f"none ({tmp_path / 'secrets.toml'} not found)" in result.stdout
    assert "[printer] operator_password is a secret" in result.stderr
    write(tmp_path / "secrets.toml", "[printer]\noperator_password = 30\n")
    config.write_text("")
    result = run_kassa("config", "check", env=clean_env)
    assert f"secrets:   {tmp_path / 'secrets.toml'}" in result.stdout and result.stderr == ""


def test_a_reload_keeps_what_needs_a_restart_and_names_it():
    old = parse_config('[backoffice]\ntimeout = 10\n[agent]\nlog_level = "info"\n', "a")
    new = parse_config(
        '[backoffice]\ntimeout = 20\nca_bundle = "/etc/kassa/ca.pem"\n[agent]\nlog_level = "debug"\n', "a"
    )
    applied, restart = keep_restart_keys(old, new)
    assert restart == ["[backoffice] ca_bundle", "[backoffice] timeout"]
    assert applied.backoffice == old.backoffice
    assert applied.agent.log_level == "debug"  # the rest applies at once
    assert keep_restart_keys(old, old) == (old, [])


# -- the CAs of [backoffice] ca_bundle ------------------------------------------------------------


@pytest.fixture
def private_ca_server(tmp_path):
    """A TLS server on loopback whose certificate only a private CA vouches for."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _address = listener.accept()
            except OSError:
                continue
            try:
                with server_context.wrap_socket(connection, server_side=True) as tls:
                    tls.sendall(b"ok")
            except (ssl.SSLError, OSError):
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], cert
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


def handshake(context: ssl.SSLContext, port: int) -> bytes:
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        return tls.recv(2)


def test_ca_bundle_adds_to_the_usual_cas(private_ca_server):
    port, cert = private_ca_server
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(tls_context(None), port)
    context = tls_context(cert)
    assert handshake(context, port) == b"ok"
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    usual = ssl.create_default_context(cafile=certifi.where()).get_ca_certs()
    subjects = {str(ca["subject"]) for ca in context.get_ca_certs()}
    assert {str(ca["subject"]) for ca in usual} <= subjects  # none of the usual CAs is lost
    assert len(subjects) > len({str(ca["subject"]) for ca in usual})


def test_secrets_example_holds_only_secrets():
    from agent.config import EXAMPLE_SECRETS

    text = "\n".join(line.lstrip("# ") for line in EXAMPLE_SECRETS.read_text().splitlines())
    assert "operator_password" in text and "client_secret" in text
    assert os.path.basename(EXAMPLE_SECRETS) == "secrets.example.toml"
