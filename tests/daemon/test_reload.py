"""Hot reload: a broken config edit is refused while the daemon keeps serving; profile edits apply."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from drivers.profile import PROFILE_DIR
from tests.fixtures.daemon import running_daemon


def save_by_rename(path: Path, text: str) -> None:
    """How editors save: a new file renamed over the old one."""
    temporary = path.with_name(f".{path.name}.swp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def wait_for(predicate, timeout: float = 20.0, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what} not reached within {timeout} s")


def test_a_broken_config_edit_is_rejected_and_a_good_one_applied(tmp_path):
    with running_daemon(tmp_path) as daemon:
        save_by_rename(daemon.config_path, "[printer]\nbaud = 'fast'\n")
        log = daemon.wait_log("the previous configuration stays in force")
        assert f"<3>kassa.daemon: config {daemon.config_path}: [printer] baud: expected a whole number" in log
        assert daemon.status()["printer"]["state"] == "not_configured"  # still serving, old config

        # an in-place write (echo > file) is seen too
        port = str(tmp_path / "no-such-tty")
        daemon.config_path.write_text(f'[printer]\nport = "{port}"\n', encoding="utf-8")
        printer = wait_for(
            lambda: (s := daemon.status()["printer"])["state"] != "not_configured" and s, what="reload"
        )
        assert printer["state"] == "absent"
        assert printer["port"] == port
        assert f"port {port} does not exist" in printer["message"]
        assert "configuration reloaded" in daemon.log()


def test_settings_that_need_a_restart_are_logged_as_such(tmp_path):
    with running_daemon(tmp_path) as daemon:
        save_by_rename(daemon.config_path, f'[agent]\nprofile_dir = "{tmp_path}"\n')
        log = daemon.wait_log("configuration reloaded")
        assert "[agent] profile_dir changed" in log and "takes effect after a restart" in log


def test_back_office_tls_and_timeout_need_a_restart_and_the_secrets_file_is_watched(tmp_path):
    with running_daemon(tmp_path) as daemon:
        save_by_rename(daemon.config_path, '[backoffice]\ntimeout = 30\nca_bundle = "/etc/kassa/ca.pem"\n')
        log = daemon.wait_log("configuration reloaded")
        for key in ("[backoffice] ca_bundle", "[backoffice] timeout"):
            assert f"{key} changed in {daemon.config_path}: it takes effect after a restart" in log
        save_by_rename(daemon.config_path.with_name("secrets.toml"), '[printer]\nport = "/dev/null"\n')
        log = daemon.wait_log("not a secret")
        assert "[printer] port: not a secret" in log and "the previous configuration stays in force" in log


def test_profile_edits_apply_and_a_broken_profile_keeps_the_old_one(tmp_path):
    profiles = tmp_path / "profiles"
    shutil.copytree(PROFILE_DIR, profiles)
    config = '[receipt_printer]\nport = "/dev/kassa-test-none"\nprofile = "generic-80mm"\n'
    with running_daemon(tmp_path, config=config, env={"KASSA_PROFILE_DIR": str(profiles)}) as daemon:
        assert daemon.status()["receipt_printer"]["model"] != "Test Model 80"
        generic = profiles / "generic-80mm.toml"
        original = generic.read_text(encoding="utf-8")
        edited = original.replace(f'model = "{_model(original)}"', 'model = "Test Model 80"')
        save_by_rename(generic, edited)
        wait_for(
            lambda: daemon.status()["receipt_printer"]["model"] == "Test Model 80", what="profile reload"
        )

        # a new profile file appears in the registry
        save_by_rename(
            profiles / "test-printer.toml", edited.replace('name = "generic-80mm"', 'name = "test-printer"')
        )
        wait_for(lambda: "test-printer" in daemon.status()["daemon"]["profiles"], what="new profile")

        # a broken edit: refused with the file and field named, the last good version stays
        save_by_rename(generic, edited.replace("dots = ", "dots = -"))
        errors = wait_for(lambda: daemon.status()["daemon"]["profile_errors"], what="profile error")
        assert "generic-80mm.toml" in errors and "dots" in errors["generic-80mm.toml"]
        status = daemon.status()
        assert status["receipt_printer"]["model"] == "Test Model 80"
        assert "generic-80mm" in status["daemon"]["profiles"]
        assert "the previous version of profile generic-80mm stays in force" in daemon.log()


def _model(text: str) -> str:
    for line in text.splitlines():
        if line.startswith("model = "):
            return line.split('"')[1]
    raise AssertionError("no model line")
