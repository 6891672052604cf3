"""The local API (DESIGN.md section 5). The app is built in ``agent.api.app``; this package itself
stays light so that ``agent.api.schemas`` (the contract) can be imported by clients such as the TUI
without the daemon."""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name in ("create_app", "router_modules"):
        from agent.api import app

        return getattr(app, name)
    raise AttributeError(name)
