"""Fixtures of the TUI tests: a fixed language and time zone, and the app on a fake or real daemon."""

from __future__ import annotations

import time

import pytest


@pytest.fixture(autouse=True)
def fixed_zone(monkeypatch):
    """Screens show local time; tests pin it so snapshots match on any machine."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def anyio_backend():
    """Async tests run on asyncio (Textual's loop) through anyio's pytest plugin."""
    return "asyncio"
