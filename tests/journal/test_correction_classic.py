"""A register whose firmware has no FN receipt commands (the classic-command profile) cannot make a
correction receipt: the daemon says so before the journal writes a row or the register hears of it."""

from __future__ import annotations

import pytest

from agent.client import DaemonError
from tests.conftest import uid
from tests.journal.e2e import journal_rows, register_and_daemon

pytestmark = pytest.mark.slow


def test_a_classic_profile_refuses_corrections_before_the_register(tmp_path):
    with register_and_daemon(tmp_path, profile="shtrih-m-ptk") as (kkt, daemon), daemon.client() as client:
        before = len(kkt.journal())
        body = {"uuid": uid("classic-correction"), "reason": "x", "lines": [{"code": "BREAD"}]}
        with pytest.raises(DaemonError) as refused:
            client.post("/v1/corrections", json=body)
        assert refused.value.status == 409 and refused.value.code == "correction_not_supported"
        assert "shtrih-m-ptk" in refused.value.message
        assert len(kkt.journal()) == before and journal_rows(daemon) == []
