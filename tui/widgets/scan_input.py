"""The sale screen's search line, which is also where a keyboard-wedge barcode scanner types.

A scanner types a whole code and Enter within milliseconds, and the next code may follow before
the first lookup has answered; a busy terminal delivers several scans in one read. Textual's Input
reports Enter only after the key has bubbled up to the app, by which time the field may already
hold the next code's digits. Here Enter is taken in the field itself, in key order: the text up to
this Enter is handed on as one ``Entered`` message and the field is emptied at once, so whatever is
typed after it starts a new entry and nothing typed is ever cleared by a late answer.

A marking code's DataMatrix holds GS (0x1D) separators, which a keyboard-mode scanner types as
Ctrl+]; Input drops control keys, so here GS is kept, shown as its visible symbol ``SHOWN_GS``.
"""

from __future__ import annotations

import time

from textual import events
from textual.message import Message
from textual.widgets import Input

GS = "\x1d"
SHOWN_GS = "\u241d"  # ␝, SYMBOL FOR GROUP SEPARATOR: GS as the field shows it
GS_KEYS = ("ctrl+right_square_bracket", "ctrl+]")


def with_gs(text: str) -> str:
    """The text as the scanner sent it: the shown symbol back to GS."""
    return text.replace(SHOWN_GS, GS)


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
        if event.key in GS_KEYS or event.character == GS:
            event.stop()
            event.prevent_default()
            self.insert_text_at_cursor(SHOWN_GS)
            return
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            value = self.value
            if value:
                self.value = ""
            self.post_message(self.Entered(self, value, time.monotonic()))
            return
        await super()._on_key(event)
