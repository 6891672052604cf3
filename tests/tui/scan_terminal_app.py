"""The TUI on the in-memory daemon, for tests that drive it through a real terminal.

Usage: python -m tests.tui.scan_terminal_app STATE.json LOOKUP_SECONDS. Every 50 ms the screen's
name, the cart and the search line are written to STATE.json (atomically) for the test to read.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import tui.app as app_module
from agent.i18n import set_language
from tests.tui.fake_api import EMPLOYEES, FakeApi, FakeDaemon
from tui.app import KassaApp


class StateApp(KassaApp):
    CSS_PATH = str(Path(app_module.__file__).with_name(KassaApp.CSS_PATH))

    def __init__(self, state_path: str, lookup: float) -> None:
        super().__init__(
            FakeApi(FakeDaemon(), lookup_delay=lookup), employee=EMPLOYEES["2222"], poll_seconds=0
        )
        self.state_path = state_path

    def on_mount(self) -> None:
        super().on_mount()
        self.set_interval(0.05, self.dump)

    def dump(self) -> None:
        screen = self.screen
        sale = hasattr(screen, "cart")
        state = {
            "screen": type(screen).__name__,
            "cart": [[line.code, str(line.quantity)] for line in screen.cart.lines] if sale else [],
            "search": screen.query_one("#search").value if sale else None,
        }
        with open(self.state_path + ".tmp", "w") as handle:
            json.dump(state, handle)
        os.replace(self.state_path + ".tmp", self.state_path)


if __name__ == "__main__":
    set_language("en")
    StateApp(sys.argv[1], float(sys.argv[2])).run()
