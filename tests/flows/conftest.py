"""Fixtures of the flow tests: the anyio backend (the languages are in tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend():
    return "asyncio"
