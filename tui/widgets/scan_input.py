"""The sale screen's search line, which is also where a keyboard-wedge barcode scanner types.

A scanner types a whole code and Enter within milliseconds, and the next code may follow before
the first lookup has answered; a busy terminal delivers several scans in one read. Textual's Input
reports Enter only after the key has bubbled up to the app, by which time the field may already
hold the next code's digits. Here Enter is taken in the field itself, in key order: the text up to
this Enter is handed on as one ``Entered`` message and the field is emptied at once, so whatever is
typed after it starts a new entry and nothing typed is ever cleared by a late answer.
"""

from __future__ import annotations

import time

from textual import events
from textual.message import Message
from textual.widgets import Input


class ScanInput(Input):
    class Entered(Message):
        """The text typed before an Enter; ``at`` is when that Enter arrived (monotonic seconds)."""

        def __init__(self, field: ScanInput, value: str, at: float) -> None:
            super().__init__()
            self.field = field
            self.value = value
            self.at = at

        @property
        def control(self) -> ScanInput:
            return self.field

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            value = self.value
            if value:
                self.value = ""
            self.post_message(self.Entered(self, value, time.monotonic()))
            return
        await super()._on_key(event)
