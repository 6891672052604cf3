"""Fixtures of the flow tests: the TUI's language and anyio backend, and waiting on a pilot."""

from __future__ import annotations

import time

import pytest

from agent.i18n import set_language


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
def english():
    set_language("en")
    yield "en"
    set_language("en")


@pytest.fixture
def russian():
    set_language("ru")
    yield "ru"
    set_language("en")


async def until(pilot, check, timeout: float = 60.0, what: str = "") -> None:
    """Let the app work until ``check()`` holds (the register and the network take their time)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await pilot.pause(0.1)
        try:
            if check():
                return
        except Exception:
            pass
    raise AssertionError(f"timed out waiting for {what or check}: {pilot.app.screen}")


def text(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())
