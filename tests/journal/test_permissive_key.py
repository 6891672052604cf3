"""The online check authenticates as the system documents it for a register: its key in X-API-KEY."""

from __future__ import annotations

from agent.journal.permissive import ask
from tests.fixtures.marking_api import fake_marking_system

CODE = "0104607009780047215abcde\x1d93dGVz"
IDENTITY = CODE.split("\x1d")[0]  # 01 GTIN 21 serial


def test_the_key_goes_in_x_api_key_and_a_refused_key_is_no_answer():
    with fake_marking_system() as system:
        system.api_key = "0123456789abcdef0123456789abcdef0123"
        answer = ask(system.url, system.api_key, 5.0, [(CODE, IDENTITY)], "9960440300123456")
        assert answer is not None and answer.req_id
        assert ask(system.url, "wrong", 5.0, [(CODE, IDENTITY)], None) is None  # 401: sold without the check
        assert ask(system.url, "", 5.0, [(CODE, IDENTITY)], None) is None
        assert system.requests == 3
