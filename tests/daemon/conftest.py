"""One daemon shared by the tests that only read from it (starting one costs seconds)."""

from __future__ import annotations

import pytest

from tests.fixtures.daemon import running_daemon


@pytest.fixture(scope="session")
def shared_daemon(tmp_path_factory):
    """A daemon with an empty config. Do not stop, reconfigure or kill it in a test."""
    with running_daemon(tmp_path_factory.mktemp("shared")) as daemon:
        yield daemon
