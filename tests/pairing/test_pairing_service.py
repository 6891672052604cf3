"""Pairing against the reference back office on loopback: the happy path and every failure."""

from __future__ import annotations

import logging
import stat
import subprocess
import threading

import pytest
import uvicorn
from sqlmodel import select

from agent.backoffice import errors
from agent.pairing.token_file import token_path
from agent.store.models import OutboxItem
from agent.sync_code import check_symbol
from sim.backoffice.app import create_app
from sim.backoffice.database import database_url
from tests.fixtures.backoffice import free_port, wait_healthy
from tests.sync.harness import EMULATOR, office


def mistype(code: str) -> str:
    """The same code with its first symbol changed: the check symbol no longer matches."""
    first = "1" if code[0] != "1" else "2"
    return first + code[1:]


def test_pairing_stores_the_organization_and_a_private_token(reg, bo, caplog):
    caplog.set_level(logging.DEBUG)
    info = reg.pair(bo)
    assert info.organization and info.store
    assert info.backoffice_url == bo.url and not info.needs_repair
    mode = stat.S_IMODE(token_path(reg.state_dir).stat().st_mode)
    assert mode == 0o600
    token = reg.pairing.token()
    assert token and token not in caplog.text
    assert reg.pairing.status_summary()["paired"] is True
    [registered] = bo.registers()
    assert registered["kkt_serial"] == EMULATOR.kkt_serial


def test_a_mistyped_code_is_caught_before_any_request(reg):
    dead = f"http://127.0.0.1:{free_port()}"  # nobody listens: a request would say "unreachable"
    data = "ABCD2345"
    good = data + check_symbol(data)
    with pytest.raises(errors.MistypedCode):
        reg.pairing.pair(mistype(good), EMULATOR, dead)
    with pytest.raises(errors.Unreachable):  # the same code typed right does go out
        reg.pairing.pair(f" {good[:4].lower()}-{good[4:]} ", EMULATOR, dead)


def test_unknown_and_used_codes(reg, bo):
    data = "ABCD2345"
    with pytest.raises(errors.CodeUnknown):
        reg.pairing.pair(data + check_symbol(data), EMULATOR, bo.url)
    code = bo.code()
    reg.pairing.pair(code, EMULATOR, bo.url)
    with pytest.raises(errors.CodeUnknown):
        reg.pairing.pair(code, EMULATOR, bo.url)


def test_an_expired_code(reg, bo):
    code = bo.code()
    bo.advance(11 * 60)
    with pytest.raises(errors.CodeExpired):
        reg.pairing.pair(code, EMULATOR, bo.url)
    assert reg.pairing.info() is None


def test_inn_mismatch(reg, tmp_path):
    with (
        office(tmp_path, products=1, employees=0, inn="7707083893") as other,
        pytest.raises(errors.InnMismatch) as caught,
    ):
        reg.pair(other)
    assert EMULATOR.inn in caught.value.text


def test_rate_limited_after_repeated_bad_codes(reg, bo):
    data = "ABCD2345"
    unknown = data + check_symbol(data)
    with pytest.raises(errors.RateLimited) as caught:
        for _ in range(10):
            with pytest.raises(errors.CodeUnknown):
                reg.pairing.pair(unknown, EMULATOR, bo.url)
    assert int(caught.value.params["seconds"]) > 0


def test_unreachable_and_insecure_addresses(reg, bo):
    code = bo.code()
    with pytest.raises(errors.Unreachable):
        reg.pairing.pair(code, EMULATOR, f"http://127.0.0.1:{free_port()}")
    with pytest.raises(errors.InsecureUrl):
        reg.pairing.pair(code, EMULATOR, "http://backoffice.example")
    with pytest.raises(errors.NoBackofficeUrl):
        reg.pairing.pair(code, EMULATOR, None)


@pytest.fixture
def tls_office(bo, tmp_path):
    """The same back office behind real TLS with a self-signed certificate for 127.0.0.1."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    port = free_port()
    app = create_app(database_url(bo.db), clock=bo.clock)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", ssl_keyfile=str(key), ssl_certfile=str(cert)
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_healthy(bo.url)
        import time

        for _ in range(200):
            if server.started:
                break
            time.sleep(0.05)
        yield f"https://127.0.0.1:{port}", cert
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_tls_is_verified_and_a_ca_bundle_makes_it_trusted(reg, bo, tls_office):
    url, cert = tls_office
    with pytest.raises(errors.TlsFailure):
        reg.pairing.pair(bo.code(), EMULATOR, url)
    from agent.config.schema import BackofficeSettings

    reg.pairing.settings = BackofficeSettings(ca_bundle=cert)
    info = reg.pairing.pair(bo.code(), EMULATOR, url)
    assert info.backoffice_url == url


def test_repairing_keeps_every_unsent_document(reg, bo):
    reg.pair(bo)
    uuids = reg.add_documents(5)
    reg.pair(bo)  # "Настроить подключение" with a new code
    with reg.store.read() as session:
        assert [i.status for i in session.exec(select(OutboxItem)).all()] == ["pending"] * 5
    assert reg.engine.run("receipts").moved == 5
    assert [d["uuid"] for d in bo.documents()] == uuids


def test_unpair_forgets_credentials_and_keeps_documents(reg, bo):
    reg.pair(bo)
    reg.add_documents(3)
    assert reg.pairing.unpair() is True
    assert reg.pairing.info() is None and not token_path(reg.state_dir).exists()
    with reg.store.read() as session:
        assert len(session.exec(select(OutboxItem)).all()) == 3
    result = reg.engine.run("receipts")
    assert not result.ok and result.error_code == "not_paired"
    assert reg.pairing.unpair() is False


def test_a_401_asks_to_pair_again_and_keeps_the_queue(reg, bo):
    reg.pair(bo)
    reg.add_documents(4)
    token_path(reg.state_dir).write_text("revoked-token")
    result = reg.engine.run("receipts")
    assert not result.ok and result.error_code == "unauthorized"
    assert reg.pairing.info().needs_repair
    assert reg.engine.due_streams(reg.clock()) == []  # upload paused
    with reg.store.read() as session:
        assert {i.status for i in session.exec(select(OutboxItem)).all()} == {"pending"}
    reg.pair(bo)
    assert reg.engine.run("receipts").moved == 4
    assert len(bo.documents()) == 4
