"""One error base: every code maps to one HTTP status and one TUI behaviour, computed from its class.

Each error is raised in a route of the real error handler, its answer read back by the real client
(``agent.client.answer``) and shown to the real TUI rules (``tui.errors``): no list of codes here.
"""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
import signal
import time
from collections import defaultdict

import httpx
import pytest
from fastapi import FastAPI

from agent.api.errors import install_error_handlers
from agent.backoffice.errors import BackofficeError
from agent.client import DaemonError, answer
from common.errors import KassaError, Message
from drivers.errors import DriverError
from drivers.profile import PROFILE_DIR
from tests.fixtures.daemon import running_daemon
from tests.fixtures.kkt import kkt_config, kkt_emulator
from tui.errors import is_register_problem, remedy
from tui.outcome import outcome_unknown

CABLE_FAULTS = {"link_error", "port_unavailable", "device_not_responding", "device_timeout", "answer_lost"}


def subclasses(root: type) -> list[type]:
    found, todo = [], [root]
    while todo:
        for cls in todo.pop().__subclasses__():
            found.append(cls)
            todo.append(cls)
    return found


def load(*packages: str) -> None:
    for name in packages:
        package = importlib.import_module(name)
        for info in pkgutil.walk_packages(package.__path__, name + "."):
            if ".migrations" not in info.name and not info.name.endswith("__main__"):
                importlib.import_module(info.name)


def daemon_error(error: KassaError) -> DaemonError:
    """The error as the daemon answers it and the client (CLI, TUI) reads it."""
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/fail")
    def fail() -> None:
        raise error

    async def get() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://kassa") as client:
            return await client.get("/fail", headers={"Accept-Language": "ru"})

    response = asyncio.run(get())
    with pytest.raises(DaemonError) as caught:
        answer(response)
    return caught.value


def test_an_answer_that_may_mean_done_says_so():
    from agent.journal.errors import RecordFailed
    from drivers.shtrih.errors import AnswerLost, PaperOut

    assert daemon_error(RecordFailed("disk full")).outcome_unknown
    assert daemon_error(AnswerLost(command="0x85")).outcome_unknown
    assert not daemon_error(PaperOut()).outcome_unknown


def behaviour(error: DaemonError) -> tuple:
    return (
        error.status,
        error.unavailable,
        error.retryable,
        error.exit_code,
        is_register_problem(error),
        (remedy(error) if is_register_problem(error) else None),
        outcome_unknown(error),
    )


@pytest.fixture(scope="module")
def table() -> dict[str, set[tuple]]:
    load("drivers", "agent")
    seen: dict[str, set[tuple]] = defaultdict(set)
    for cls in subclasses(DriverError) + subclasses(BackofficeError) + [DriverError]:
        seen[cls.code].add(behaviour(daemon_error(cls())))
    return seen


def test_every_code_has_one_status_and_one_tui_behaviour(table):
    mixed = {code: answers for code, answers in table.items() if len(answers) != 1}
    assert not mixed
    assert set(table) >= CABLE_FAULTS


def test_unavailable_is_503_and_always_retryable(table):
    for code, ((status, unavailable, retryable, _exit, problem, _remedy, _unknown),) in table.items():
        assert unavailable == (status == 503), code
        if unavailable:
            assert retryable and problem, code
        assert problem == retryable, code


def test_a_cable_fault_is_unavailable_and_continue_can_get_past_it(table):
    for code in CABLE_FAULTS:
        ((status, unavailable, retryable, _exit, problem, hint, _unknown),) = table[code]
        assert (status, unavailable, retryable, problem) == (503, True, True, True), code
        assert hint == "Check that the register is on and connected, then press Continue."


def test_paper_out_is_a_refusal_the_cashier_can_fix(table):
    ((status, unavailable, retryable, _exit, problem, _hint, _unknown),) = table["paper_out"]
    assert (status, unavailable, retryable, problem) == (409, False, True, True)
    ((status, unavailable, retryable, _exit, problem, _hint, _unknown),) = table["shift_expired"]
    assert (status, unavailable, retryable, problem) == (409, False, False, False)


def test_exit_codes_come_from_the_error():
    assert daemon_error(BackofficeError.__subclasses__()[0]()).exit_code == 3  # code_mistyped
    codes = {cls.code: cls.exit_code for cls in subclasses(BackofficeError)}
    assert codes["code_expired"] == 5 and codes["not_paired"] == 13


def test_a_message_that_does_not_fit_its_parameters_still_reads():
    assert Message("lost {what}", {}).render() == "lost {what}"
    assert Message("lost {what}", {"what": "it"}).render(lambda _m: "потеряно {что}") == "lost it"
    nested = Message("the {device} is gone: {reason}", {"device": Message("printer"), "reason": "EIO"})
    russian = {"printer": "принтер", "the {device} is gone: {reason}": "{device} пропал: {reason}"}
    assert nested.render(lambda msgid: russian.get(msgid, msgid)) == "принтер пропал: EIO"


@pytest.mark.skipif(not (PROFILE_DIR / "shtrih-m-01f.toml").exists(), reason="no shtrih-m-01f profile")
def test_a_register_that_stops_answering_makes_the_api_answer_503(tmp_path):
    """The register's end of the cable goes silent (the emulator is frozen): 503, unavailable."""
    with kkt_emulator(tmp_path) as kkt, running_daemon(tmp_path, config=kkt_config(kkt)) as daemon:
        deadline = time.monotonic() + 30
        while daemon.status()["printer"]["state"] != "ready":
            assert time.monotonic() < deadline, "the register did not come up"
            time.sleep(0.1)
        kkt.process.send_signal(signal.SIGSTOP)
        try:
            with daemon.http(timeout=60) as http:
                response = http.post("/v1/shift/open", json={}, headers={"Accept-Language": "en"})
        finally:
            kkt.process.send_signal(signal.SIGCONT)
        assert response.status_code == 503, response.text
        error = response.json()["error"]
        assert error["code"] in CABLE_FAULTS | {"journal_unsettled"}, error
        assert error["unavailable"] is True and error["retryable"] is True
        assert error["message"]
