"""`kassa pair` / `kassa unpair` from a shell, through a real daemon, KKT emulator and back office."""

from __future__ import annotations

import pytest

from agent.sync_code import check_symbol
from tests.conftest import run_kassa
from tests.fixtures.backoffice import backoffice_server, free_port
from tests.fixtures.daemon import running_daemon
from tests.fixtures.kkt import kkt_config, kkt_emulator
from tests.sync.harness import wait_register_ready


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("stack")
    with (
        kkt_emulator(tmp) as kkt,
        backoffice_server(tmp, products=5, employees=2) as bo,
        running_daemon(tmp, config=kkt_config(kkt)) as daemon,
    ):
        wait_register_ready(daemon.client())
        yield daemon, bo


def pair(daemon, *args, lang="C.UTF-8"):
    env = {**daemon.env, "LANG": lang}
    return run_kassa("pair", *args, env=env)


def test_pair_prints_connection_established_in_russian(stack):
    daemon, bo = stack
    result = pair(daemon, bo.code(), "--backoffice", bo.url, lang="ru_RU.UTF-8")
    assert result.returncode == 0, result.stderr
    assert "Соединение установлено" in result.stdout
    organization = bo.registers()[0]
    assert organization["kkt_serial"] == "0012345678"
    status = daemon.client().get("/v1/status")
    assert status["paired"] is True and status["pairing"]["store"] in result.stdout
    english = pair(daemon, bo.code(), "--backoffice", bo.url)
    assert english.returncode == 0 and "Connection established" in english.stdout


@pytest.mark.parametrize(
    ("case", "exit_code", "words"),
    [
        ("mistyped", 3, "mistyped"),
        ("unknown", 4, "does not know"),
        ("used", 4, "already used"),
        ("expired", 5, "expired"),
        ("unreachable", 7, "unreachable"),
        ("insecure", 10, "https://"),
    ],
)
def test_every_failure_has_its_own_line_and_exit_code(stack, case, exit_code, words):
    daemon, bo = stack
    url = bo.url
    data = "ABCD2345"
    if case == "mistyped":
        code = "1" + data[1:] + check_symbol(data)
    elif case == "unknown":
        code = data + check_symbol(data)
    elif case == "used":
        code = bo.code()
        assert pair(daemon, code, "--backoffice", url).returncode == 0
    elif case == "expired":
        code = bo.code()
        bo.advance(11 * 60)
    elif case == "unreachable":
        code, url = bo.code(), f"http://127.0.0.1:{free_port()}"
    else:
        code, url = bo.code(), "http://backoffice.example"
    result = pair(daemon, code, "--backoffice", url)
    assert result.returncode == exit_code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and "Traceback" not in result.stderr


def test_unpair_then_pair_again(stack):
    daemon, bo = stack
    result = run_kassa("unpair", "--yes", env=daemon.env)
    assert result.returncode == 0 and "unsent documents are kept" in result.stdout
    assert daemon.client().get("/v1/status")["paired"] is False
    assert pair(daemon, bo.code(), "--backoffice", bo.url).returncode == 0


def test_inn_mismatch_exit_code(stack, tmp_path):
    daemon, _bo = stack
    with backoffice_server(tmp_path, products=1, employees=0, inn="7707083893") as other:
        result = pair(daemon, other.code(), "--backoffice", other.url, lang="ru_RU.UTF-8")
    assert result.returncode == 6
    assert "ИНН кассы 7701234560" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_rate_limited_exit_code(stack):
    daemon, bo = stack
    data = "ZZZZ2345"
    unknown = data + check_symbol(data)
    codes = []
    while 9 not in codes and len(codes) < 8:
        codes.append(pair(daemon, unknown, "--backoffice", bo.url).returncode)
    assert codes[-1] == 9 and set(codes) <= {4, 9}
    bo.advance(120)  # the window passes: pairing works again
    assert pair(daemon, bo.code(), "--backoffice", bo.url).returncode == 0
