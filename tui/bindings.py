"""Key bindings are declared with English msgids and translated per instance, so the footer speaks the
language chosen at start (and tests can render both languages in one process)."""

from __future__ import annotations

from dataclasses import replace

from textual.dom import DOMNode

from agent.i18n import _


def localize_bindings(node: DOMNode) -> None:
    bindings = node._bindings.key_to_bindings
    for key, entries in bindings.items():
        bindings[key] = [
            replace(binding, description=_(binding.description)) if binding.description else binding
            for binding in entries
        ]
