"""[access] default_cashier signs the documents made without a login; digits there are an employee's
id, which must be one an employee can have."""

from __future__ import annotations

import pytest

from tests.fixtures.daemon import RunningDaemon


@pytest.mark.parametrize("value", ["0", "9" * 30], ids=["zero", "past-sqlite"])
def test_the_daemon_refuses_a_default_cashier_id_no_employee_can_have(tmp_path, value):
    """[access] default_cashier of digits is an employee's id: "0" or 30 nines passed the config and
    made every document without a login (the CLI's sales, shifts) answer 500 internal_error."""
    daemon = RunningDaemon(tmp_path / "d", f'[access]\ndefault_cashier = "{value}"\n', None)
    try:
        daemon.start(wait=False)
        assert daemon.process.wait(60) == 78, daemon.log()
        log = daemon.log()
        assert "[access] default_cashier: expected an employee's name, or their id: a number from 1" in log
        assert "Traceback" not in log
    finally:
        daemon.cleanup()
