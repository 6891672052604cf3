"""`kassa tui` and `kassa demo` as a person meets them when something is wrong."""

from __future__ import annotations

import pytest

from tests.conftest import run_kassa
from tui.demo import Demo, Part, PartFailed


def test_tui_without_a_daemon_says_so_in_one_line(clean_env):
    result = run_kassa("tui", env=clean_env, timeout=60)
    assert result.returncode == 1
    assert "daemon is not running" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_tui_speaks_russian_when_asked(clean_env):
    result = run_kassa("tui", "--lang", "ru", env=clean_env, timeout=60)
    assert result.returncode == 1
    assert "служба kassa не запущена" in result.stderr


def test_a_demo_part_that_fails_is_named_with_its_log(tmp_path, english):
    demo = Demo(say=lambda _line: None)
    try:
        part = demo.part(
            "fiscal register emulator",
            ["emulate", "kkt", "--link", str(tmp_path / "no" / "such" / "dir" / "kkt")],
            "kkt.log",
        )
        with pytest.raises(PartFailed) as failure:
            part.wait_for(lambda: False, "waiting for its pty", timeout=60)
        message = str(failure.value)
        assert message.startswith("fiscal register emulator: exited with code")
        assert isinstance(demo.parts[0], Part)
    finally:
        directory = demo.dir
        demo.stop()
    assert not directory.exists()


def test_a_failing_demo_step_names_the_step(english):
    demo = Demo(say=lambda _line: None)
    try:
        with pytest.raises(PartFailed) as failure:
            demo.run_once(
                "pairing", ["pair", "NOT-A-CODE", "--backoffice", "http://127.0.0.1:9"], env=demo.daemon_env
            )
        assert str(failure.value).startswith("pairing: ")
    finally:
        demo.stop()
