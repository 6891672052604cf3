"""`kassa status` and `kassa pair` print names from the back office as text: escape sequences and
control characters never reach the technician's terminal. A stand-in daemon answers on a real unix
socket with hostile names."""

from __future__ import annotations

import json
import socketserver
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar

import pytest

from tests.conftest import run_kassa
from tests.tui.fake_api import base_status

ESC = "\x1b]0;pwned\x07\x1b[2J\x9b31m\u202e"
ORGANIZATION = "ООО «Ромашка»" + ESC
STORE = "Магазин\r№1" + ESC


class Handler(BaseHTTPRequestHandler):
    answers: ClassVar[dict[tuple[str, str], dict]] = {}

    def _answer(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        body = json.dumps(self.answers.get((method, self.path.split("?")[0]), {})).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._answer("GET")

    def do_POST(self) -> None:
        self._answer("POST")

    def log_message(self, *args) -> None:
        pass


class UnixHTTPServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def get_request(self):
        request, _address = super().get_request()
        return request, ("local", 0)


@pytest.fixture
def hostile_daemon(clean_env):
    status = base_status()
    status["pairing"].update(organization=ORGANIZATION, store=STORE)
    status["printer"]["message"] = "paper" + ESC
    status["streams"]["products"]["last_error"] = "bad record «[/]»" + ESC
    pairing = {
        "organization": ORGANIZATION,
        "organization_inn": "7700000000" + ESC,
        "store": STORE,
        "store_address": "ул. Ленина" + ESC,
        "backoffice_url": "https://bo.example/" + ESC,
    }
    Handler.answers = {("GET", "/v1/status"): status, ("POST", "/v1/pairing"): {"pairing": pairing}}
    server = UnixHTTPServer(clean_env["KASSA_SOCKET"], Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield clean_env
    finally:
        server.shutdown()
        server.server_close()
        Path(clean_env["KASSA_SOCKET"]).unlink(missing_ok=True)


def assert_printable(text: str) -> None:
    bad = [ch for ch in text if (ord(ch) < 32 and ch != "\n") or 0x7F <= ord(ch) < 0xA0 or ch == "\u202e"]
    assert not bad, repr(text)


@pytest.mark.parametrize("command", [("status",), ("pair", "ABCD-EFGH-J")], ids=["status", "pair"])
def test_cli_prints_back_office_names_without_escapes(hostile_daemon, command):
    result = run_kassa(*command, env=hostile_daemon)
    assert result.returncode in (0, 1), result.stderr
    # the text stays, whole escape sequences go (a terminal title is not part of the name)
    assert "ООО «Ромашка»" in result.stdout and "pwned" not in result.stdout
    assert_printable(result.stdout)
    assert_printable(result.stderr)
