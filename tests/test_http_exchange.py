"""One request to a remote we do not trust, over real HTTP on 127.0.0.1: a compressed answer is
inflated only up to the size cap, and a coding not asked for is refused."""

from __future__ import annotations

import gzip
import http.server
import resource
import threading
import zlib

import httpx
import pytest

from agent.http_exchange import TooLarge, exchange

CAP = 4 * 1024 * 1024


class Server(http.server.ThreadingHTTPServer):
    def __init__(self) -> None:
        self.answer: tuple[bytes, str] = (b"", "identity")
        self.asked: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                outer.asked.append(self.headers.get("Accept-Encoding", ""))
                body, coding = outer.answer
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Encoding", coding)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        super().__init__(("127.0.0.1", 0), Handler)


@pytest.fixture
def server():
    server = Server()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def bomb(mib: int) -> bytes:
    """gzip of ``mib`` MiB of zeros, built a MiB at a time (about 1 KiB of gzip a MiB)."""
    pack = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1024 * 1024)
    return b"".join(pack.compress(zeros) for _ in range(mib)) + pack.flush()


def fetch(server: Server) -> bytes:
    with httpx.Client() as http:
        request = http.build_request("GET", f"http://127.0.0.1:{server.server_port}/")
        return exchange(http, request, deadline=10, max_body=CAP).body


@pytest.mark.parametrize("coding", ["gzip", "deflate", "identity"])
def test_an_answer_in_a_coding_asked_for_is_read_whole(server, coding):
    body = b'{"items": [' + b'"x", ' * 50_000 + b'"y"]}'
    packed = {"gzip": gzip.compress, "deflate": zlib.compress, "identity": bytes}[coding](body)
    server.answer = (packed, coding)
    assert fetch(server) == body
    assert server.asked == ["gzip, deflate"]


def test_a_gzip_bomb_stops_at_the_cap_without_inflating_the_rest(server):
    server.answer = (bomb(256), "gzip")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(TooLarge):
        fetch(server)
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before  # KiB
    assert grown < 32 * 1024, f"peak RSS grew {grown} KiB reading a bomb against a {CAP} byte cap"


def test_a_coding_not_asked_for_is_refused(server):
    server.answer = (b"\x1b\x00\x00", "br")
    with pytest.raises(httpx.DecodingError):
        fetch(server)
