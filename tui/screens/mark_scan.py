"""Scan the marking codes of the units a partial return gives back: the FN must be told which packs
come back, so the cashier scans each one (GS as Ctrl+] or the configured substitute)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button

from agent.i18n import _
from common.marking import MarkingCodeError, parse
from tui.screens.dialogs import Dialog
from tui.widgets.plain import PlainLabel, PlainStatic
from tui.widgets.scan_input import ScanInput, with_gs


class MarkScanScreen(Dialog):
    """Collect ``count`` codes, each one of ``sold`` (the sale line's codes); dismissed with them."""

    def __init__(self, name: str, count: int, sold: list[str], substitutes: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.name_text, self.count, self.substitutes = name, count, substitutes
        self.sold = {}
        for code in sold:
            try:
                self.sold[parse(code).identity] = code
            except MarkingCodeError:
                continue
        self.codes: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield PlainLabel(_("Return of marked goods"), classes="dialog-title")
            yield PlainLabel("", id="mark-progress")
            yield ScanInput(id="mark-code", placeholder=_("Scan the DataMatrix on the pack"))
            yield PlainStatic("", id="prompt-error", classes="error-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Cancel"), id="no")

    def on_mount(self) -> None:
        self._progress()
        self.query_one("#mark-code", ScanInput).focus()

    def _progress(self) -> None:
        text = _("“{name}”: scan the code of each unit returned ({done} of {count})").format(
            name=self.name_text, done=len(self.codes), count=self.count
        )
        self.query_one("#mark-progress", PlainLabel).update(text)

    def _problem(self, text: str) -> None:
        self.query_one("#prompt-error", PlainStatic).update(text)

    @on(ScanInput.Entered, "#mark-code")
    def _scanned(self, event: ScanInput.Entered) -> None:
        event.stop()
        if not event.value.strip():
            return
        try:
            code = parse(with_gs(event.value), self.substitutes)
        except MarkingCodeError as error:
            self._problem(error.render(_))
            return
        sold = self.sold.get(code.identity)
        if sold is None:
            self._problem(_("This pack was not sold on this receipt: scan a pack that was."))
            return
        if sold in self.codes:
            self._problem(_("This pack is already scanned: scan each unit once."))
            return
        self.codes.append(sold)
        self._problem("")
        self._progress()
        if len(self.codes) == self.count:
            self.dismiss(self.codes)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)
