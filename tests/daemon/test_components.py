"""Components load by name; a name that does not resolve stops the daemon's start, loudly."""

from __future__ import annotations

import sys

import pytest

from agent.daemon.runner import load_component


def test_a_mistyped_component_is_an_error_not_a_daemon_without_it():
    with pytest.raises(ModuleNotFoundError, match=r"agent\.journal\.componnet"):
        load_component("agent.journal.componnet:JournalComponent")
    with pytest.raises(AttributeError, match="JournalComponnet"):
        load_component("agent.journal.component:JournalComponnet")


def test_a_component_whose_import_fails_inside_is_an_error(tmp_path, monkeypatch):
    package = tmp_path / "kassa_test_area"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "component.py").write_text("import kassa_missing_dependency\n\nclass C: ...\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        with pytest.raises(ModuleNotFoundError, match="kassa_missing_dependency"):
            load_component("kassa_test_area.component:C")
    finally:
        sys.modules.pop("kassa_test_area", None)


def test_every_listed_component_of_this_tree_loads():
    from agent.daemon.context import COMPONENTS

    for target in COMPONENTS:
        cls = load_component(target)
        assert callable(cls.start) and callable(cls.stop), target
