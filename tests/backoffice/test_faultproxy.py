"""The fault-injecting proxy in front of a real back office on loopback."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import httpx
import pytest

from sim.backoffice.documents import received
from tests.backoffice.test_documents import sale
from tests.conftest import REPO
from tests.fixtures.faultproxy import fault_proxy


def upload(url: str, token: str, doc: dict, timeout: float = 10) -> httpx.Response:
    return httpx.post(
        f"{url}/api/v1/documents",
        json={"documents": [doc]},
        headers={"Authorization": f"Bearer {token}"},
        timeout=timeout,
    )


def arrived(office) -> list[str]:
    with office.engine.begin() as conn:
        return [entry["uuid"] for entry in received(conn)]


def test_without_faults_everything_passes_through(office, token):
    with fault_proxy(office.url) as proxy:
        answer = httpx.get(f"{proxy.url}/api/v1/catalog", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200 and answer.json()["items"]
        assert answer.headers["connection"] == "close"
        doc = sale()
        assert upload(proxy.url, token, doc).json()["results"][0]["status"] == "accepted"
    assert proxy.counters["requests"] == proxy.counters["forwarded"] == 2


def test_reset_never_reaches_the_server(office, token):
    with fault_proxy(office.url) as proxy:
        proxy.force("reset")
        doc = sale()
        with pytest.raises(httpx.TransportError):
            upload(proxy.url, token, doc)
        assert proxy.counters["reset"] == 1 and proxy.counters["forwarded"] == 0
        assert doc["uuid"] not in arrived(office)


@pytest.mark.parametrize("status", ["500", "503"])
def test_error_statuses_are_answered_by_the_proxy(office, token, status):
    with fault_proxy(office.url) as proxy:
        proxy.force(status)
        doc = sale()
        answer = upload(proxy.url, token, doc)
        assert answer.status_code == int(status) and answer.json()["error"]["code"] == "fault_injected"
        assert doc["uuid"] not in arrived(office)
        assert upload(proxy.url, token, doc).json()["results"][0]["status"] == "accepted"


def test_a_dropped_answer_was_committed_so_the_retry_is_a_duplicate(office, token):
    with fault_proxy(office.url) as proxy:
        proxy.force("drop")
        doc = sale()
        with pytest.raises(httpx.TransportError):
            upload(proxy.url, token, doc)
        assert arrived(office) == [doc["uuid"]]
        assert upload(proxy.url, token, doc).json()["results"][0]["status"] == "duplicate"
        assert proxy.counters["drop"] == 1 and proxy.counters["forwarded"] == 2


def test_a_delay_outlasts_the_client_and_the_request_still_lands(office, token):
    with fault_proxy(office.url, delay=1.0) as proxy:
        proxy.force("delay")
        doc = sale()
        with pytest.raises(httpx.TimeoutException):
            upload(proxy.url, token, doc, timeout=0.3)
        deadline = time.monotonic() + 10
        while doc["uuid"] not in arrived(office) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert arrived(office) == [doc["uuid"]]


def test_faults_follow_the_seed_and_the_rate(office, token):
    def run(seed: int) -> dict:
        with (
            fault_proxy(office.url, fail=0.33, seed=seed, kinds=["500", "503"]) as proxy,
            httpx.Client() as http,
        ):
            statuses = [http.get(f"{proxy.url}/api/v1/health").status_code for _ in range(60)]
        return {"statuses": statuses, "counters": dict(proxy.counters)}

    first, again, other = run(7), run(7), run(8)
    assert first == again and first["statuses"] != other["statuses"]
    failed = sum(status != 200 for status in first["statuses"])
    assert 8 <= failed <= 35 and failed == first["counters"]["500"] + first["counters"].get("503", 0)


def test_paths_limit_which_requests_may_fail(office, token):
    with fault_proxy(office.url, fail=1.0, kinds=["503"], paths=["/api/v1/documents"]) as proxy:
        assert httpx.get(f"{proxy.url}/api/v1/health").status_code == 200
        assert upload(proxy.url, token, sale()).status_code == 503


def test_from_a_shell(office):
    process = subprocess.Popen(
        [sys.executable, "-m", "sim.faultproxy", "--target", office.url, "--fail", "1", "--kinds", "503"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert httpx.get(f"{url}/api/v1/health").status_code == 503
    finally:
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=10)
    assert json.loads(err.strip().splitlines()[-1]) == {"503": 1, "requests": 1}


def test_bad_arguments_are_one_line_errors(office):
    result = subprocess.run(
        [sys.executable, "-m", "sim.faultproxy", "--target", office.url, "--fail", "2"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2 and "--fail" in result.stderr and "Traceback" not in result.stderr
