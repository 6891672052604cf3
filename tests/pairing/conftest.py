from __future__ import annotations

import pytest

from tests.sync.harness import office, register


@pytest.fixture
def bo(tmp_path):
    with office(tmp_path) as running:
        yield running


@pytest.fixture
def reg(tmp_path):
    with register(tmp_path) as r:
        yield r


@pytest.fixture
def paired(reg, bo):
    reg.pair(bo)
    return reg
