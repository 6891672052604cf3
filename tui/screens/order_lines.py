"""An order line whose marketplace SKU matches no product of the register: the cashier picks the
product by searching the catalog. Nothing is chosen for them; a product that is missing here may
arrive with «Обновить сейчас» (the back office's catalog), offered in the same dialog."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input

from agent.client import DaemonError
from agent.i18n import _
from tui.money import format_money, format_quantity
from tui.plain import printable
from tui.screens.dialogs import Dialog
from tui.widgets.plain import PlainLabel, PlainStatic, PlainTable

SEARCH_LIMIT = 20


def line_text(line: dict) -> Text:
    text = Text()
    sku = printable(line.get("sku"), one_line=True) or "—"
    text.append(printable(line.get("name"), one_line=True), "bold")
    text.append("\n" + _("Marketplace code (SKU): {sku}").format(sku=sku))
    text.append(f"\n{format_quantity(line.get('quantity', '1'))} × {format_money(line.get('price', 0))}")
    return text


class PickProductScreen(Dialog):
    """Search, highlight a product and press Enter or "Pick"; dismissed with the product's code."""

    BINDINGS: ClassVar[list] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+u", "update_now", "Update now"),
    ]

    def __init__(self, line: dict, position: int) -> None:
        super().__init__()
        self.line, self.position = line, position
        self.found: list[dict] = []

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="pick-dialog"):
            title = _("Pick the product for line {n}").format(n=self.position)
            yield PlainLabel(title, classes="dialog-title")
            yield PlainStatic(line_text(self.line), id="pick-line", classes="dialog-text")
            yield PlainStatic(
                _(
                    "No product of the register has this code. Search and pick the product sold, "
                    "or add it in the back office and press “Update now” (Ctrl+U)."
                ),
                classes="dialog-text",
            )
            yield Input(placeholder=_("Name, code or barcode"), id="pick-query")
            results = PlainTable(id="pick-results", cursor_type="row")
            results.add_columns(_("Code"), _("Name"), _("Price"))
            yield results
            yield PlainStatic("", id="pick-message", classes="dialog-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Pick"), variant="primary", id="yes")
                yield Button(_("Update now"), id="update")
                yield Button(_("Cancel"), id="no")

    def on_mount(self) -> None:
        self.query_one("#pick-query", Input).focus()

    @on(Input.Changed, "#pick-query")
    def _typed(self, event: Input.Changed) -> None:
        self.search(event.value)

    def search(self, query: str) -> None:
        query = query.strip()
        if not query:
            self._show([])
            return

        async def lookup() -> None:
            try:
                found = await self.app.api.products(query, limit=SEARCH_LIMIT)
            except DaemonError as error:
                self.query_one("#pick-message", PlainStatic).update(Text(printable(error.message), "red"))
                return
            self._show(found)

        self.run_worker(lookup(), group="search", exclusive=True)

    def _show(self, found: list[dict]) -> None:
        self.found = found
        table = self.query_one("#pick-results", PlainTable)
        table.clear()
        for product in found:
            table.add_row(
                product.get("code", ""),
                product.get("name", ""),
                Text(format_money(product.get("price", 0)), justify="right"),
            )
        query = self.query_one("#pick-query", Input).value.strip()
        message = _("Nothing found.") if query and not found else ""
        self.query_one("#pick-message", PlainStatic).update(message)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if len(self.found) == 1:
            self._pick(0)
        elif self.found:
            self.query_one("#pick-results", PlainTable).focus()

    @on(PlainTable.RowSelected, "#pick-results")
    def _selected(self, event: PlainTable.RowSelected) -> None:
        self._pick(event.cursor_row)

    def _pick(self, row: int) -> None:
        if 0 <= row < len(self.found):
            self.dismiss(self.found[row].get("code"))
        else:
            self.query_one("#pick-message", PlainStatic).update(_("Search and highlight a product first."))

    def action_update_now(self) -> None:
        message = self.query_one("#pick-message", PlainStatic)
        message.update(_("Exchanging data with the back office…"))

        async def update() -> None:
            try:
                results = await self.app.api.sync_now(["products"])
            except DaemonError as error:
                message.update(Text(printable(error.message), "red"))
                return
            failed = [result for result in results if result.get("error")]
            if failed:
                message.update(Text(printable(failed[0]["error"]), "red"))
            else:
                message.update(Text("✔ " + _("Products updated from the back office."), "green"))
            self.search(self.query_one("#pick-query", Input).value)

        self.run_worker(update(), group="update", exclusive=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "yes":
            self._pick(self.query_one("#pick-results", PlainTable).cursor_row)
        elif event.button.id == "update":
            self.action_update_now()
        else:
            self.dismiss(None)
