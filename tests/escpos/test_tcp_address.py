"""A network receipt printer's address names a real TCP port. A port past 65535 raised OverflowError
out of the printer's open, which the link did not take for a "not found": the daemon logged a
traceback at every try to open it and showed the socket's English words. It is now refused in the
operator's words before anything is dialled. The real daemon, a real TCP listener at the port the
number would wrap to (a socket address takes a port modulo 2**32 in other calls)."""

from __future__ import annotations

import socket
import time

import pytest

from tests.fixtures.daemon import running_daemon


def receipt_printer(daemon, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        printer = daemon.status()["receipt_printer"]
        if printer.get("message"):
            return printer
        time.sleep(0.2)
    raise AssertionError(f"no state for the receipt printer: {daemon.status()['receipt_printer']}")


@pytest.mark.parametrize("past", [2**32, 10**30], ids=["wraps", "overflows"])
def test_a_tcp_port_past_65535_is_refused_in_words_and_nothing_is_dialled(tmp_path, past):
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(0.2)
        port = past + listener.getsockname()[1]
        config = f'[receipt_printer]\nport = "tcp://127.0.0.1:{port}"\nprofile = "generic-80mm"\n'
        with running_daemon(tmp_path, config=config, env={"LANGUAGE": "ru"}) as daemon:
            printer = receipt_printer(daemon)
            assert printer["message"] == (
                f"в адресе чекового принтера tcp://127.0.0.1:{port} нет TCP-порта от 1 до 65535: "
                "укажите его как tcp://ХОСТ:9100"
            ), printer
            with pytest.raises(TimeoutError):
                listener.accept()[0].close()  # nobody dialled the wrapped port
            assert "Traceback" not in daemon.log()
