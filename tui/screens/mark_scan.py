"""Scanning the marking codes of a line's units one by one (GS as Ctrl+] or the configured
substitute): the units a partial return gives back, and the units of a marketplace order's marked
goods, which the daemon may not fiscalize without their codes."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button

from agent.client import DaemonError
from agent.i18n import _
from common.marking import MarkingCode, MarkingCodeError, parse
from tui.screens.dialogs import Dialog
from tui.widgets.plain import PlainLabel, PlainStatic
from tui.widgets.scan_input import ScanInput, with_gs


class UnitScanDialog(Dialog):
    """Collect ``count`` codes of ``name``, one scan per unit; dismissed with them (None: called off).
    ``take`` decides on each code: the code to keep, or why not."""

    def __init__(self, name: str, count: int, substitutes: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.name_text, self.count, self.substitutes = name, count, substitutes
        self.codes: list[str] = []

    def title_text(self) -> str:
        raise NotImplementedError

    def progress_text(self) -> str:
        raise NotImplementedError

    async def take(self, code: MarkingCode) -> tuple[str | None, str]:
        """(the code to keep or None, what the cashier is told)."""
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield PlainLabel(self.title_text(), classes="dialog-title")
            yield PlainLabel("", id="mark-progress")
            yield ScanInput(id="mark-code", placeholder=_("Scan the DataMatrix on the pack"))
            yield PlainStatic("", id="prompt-error", classes="error-text")
            yield PlainStatic("", id="mark-note")
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Cancel"), id="no")

    def on_mount(self) -> None:
        self._progress()
        self.query_one("#mark-code", ScanInput).focus()

    def _progress(self) -> None:
        self.query_one("#mark-progress", PlainLabel).update(self.progress_text())

    def _problem(self, text: str) -> None:
        self.query_one("#prompt-error", PlainStatic).update(text)

    @on(ScanInput.Entered, "#mark-code")
    async def _scanned(self, event: ScanInput.Entered) -> None:
        event.stop()
        if not event.value.strip() or len(self.codes) == self.count:
            return
        try:
            code = parse(with_gs(event.value), self.substitutes)
        except MarkingCodeError as error:
            self._problem(error.render(_))
            return
        kept, said = await self.take(code)
        if kept is None:
            self._problem(said)
            return
        self.codes.append(kept)
        self._problem("")
        self.query_one("#mark-note", PlainStatic).update(said)
        self._progress()
        if len(self.codes) == self.count:
            self.dismiss(self.codes)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)


class MarkScanScreen(UnitScanDialog):
    """The units a return gives back: each one of ``sold`` (the sale line's codes)."""

    def __init__(self, name: str, count: int, sold: list[str], substitutes: tuple[str, ...] = ()) -> None:
        super().__init__(name, count, substitutes)
        self.sold = {}
        for code in sold:
            try:
                self.sold[parse(code).identity] = code
            except MarkingCodeError:
                continue

    def title_text(self) -> str:
        return _("Return of marked goods")

    def progress_text(self) -> str:
        return _("“{name}”: scan the code of each unit returned ({done} of {count})").format(
            name=self.name_text, done=len(self.codes), count=self.count
        )

    async def take(self, code: MarkingCode) -> tuple[str | None, str]:
        sold = self.sold.get(code.identity)
        if sold is None:
            return None, _("This pack was not sold on this receipt: scan a pack that was.")
        if sold in self.codes:
            return None, _("This pack is already scanned: scan each unit once.")
        return sold, ""


class OrderMarkScanScreen(UnitScanDialog):
    """The units of an order's line of marked goods, each checked by the daemon as a sale checks a
    scan (``POST /v1/marks/check``: the product's GTIN, the FN, the permissive mode's online check);
    ``taken`` holds the order's codes scanned so far, so one pack never counts twice."""

    def __init__(self, api, need: dict, taken: set[str]) -> None:
        super().__init__(need["name"], int(need["count"]), api.mark_substitutes)
        self.api, self.product, self.taken = api, need["code"], taken

    def title_text(self) -> str:
        return _("Marked goods of the order")

    def progress_text(self) -> str:
        return _("“{name}”: scan the code of each unit ({done} of {count})").format(
            name=self.name_text, done=len(self.codes), count=self.count
        )

    async def take(self, code: MarkingCode) -> tuple[str | None, str]:
        if code.identity in self.taken:
            return None, _("This pack is already scanned: scan each unit once.")
        try:
            answer = await self.api.check_mark(code.code, self.product)
        except DaemonError as error:
            if error.status in (404, 422):
                return None, error.message
            # the register could not check it now; the receipt checks every code again
            note = _("The code was not checked now ({problem}); the receipt checks it.")
            answer = {"allowed": True, "message": note.format(problem=error.message)}
        if not answer["allowed"]:
            return None, answer["message"]
        self.taken.add(code.identity)
        return code.code, answer["message"] or ""
