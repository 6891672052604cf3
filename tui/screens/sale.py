"""Sale ("Продажа"): find goods as you type (a scanner types a barcode and Enter), build the cart, pay."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections import deque
from decimal import Decimal
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input

from agent.client import DaemonError, DaemonNotRunning
from agent.i18n import N_, _
from common.digits import is_digits
from common.marking import GS, MarkingCode, MarkingCodeError, barcodes_of_gtin, parse, product_gtins
from tui.cart import Cart
from tui.money import format_money, format_quantity, parse_money, parse_quantity
from tui.plain import plain
from tui.screens.base import KassaScreen
from tui.screens.dialogs import PromptScreen
from tui.screens.payment import PaymentScreen
from tui.widgets.cart_table import CartTable
from tui.widgets.plain import PlainStatic, PlainTable
from tui.widgets.scan_input import ScanInput, with_gs

SEARCH_DELAY = 0.15  # seconds of quiet typing before a search; a scanner's Enter searches at once
# an empty Enter this soon after a scan's Enter is the scanner's (CR LF, double suffix), not "pay"
SCAN_ENTER_GAP = 0.1
LOOKUP_BATCH = 16  # queued entries looked up together
RETRY_FIRST, RETRY_CAP = 0.05, 5.0  # seconds between lookups of a scan the daemon did not answer


def _passing(error: DaemonError) -> bool:
    """An error that says nothing about the query (no answer, a dropped connection, a service not
    there now): a lookup reads only, so it is simply asked again."""
    return error.outcome_unknown or error.unavailable or isinstance(error, DaemonNotRunning)


def marking_code(entry: str, substitutes: tuple[str, ...]) -> MarkingCode | MarkingCodeError | None:
    """The entry read as a marking code; the refusal when it looks like one (a DataMatrix scan: a GS, or
    AI 01 with a GTIN then AI 21) but does not read; None for a barcode, a code or a name."""
    text = with_gs(entry)
    try:
        return parse(text, substitutes)
    except MarkingCodeError as error:
        separated = GS in text or any(s in text for s in substitutes)
        gs1 = text[:2] == "01" and is_digits(text[2:16]) and text[16:18] == "21" and len(text) > 18
        return error if separated or gs1 else None


def exact_match(products: list[dict], query: str) -> dict | None:
    """The product a scanned barcode or a typed code means exactly, if any."""
    for product in products:
        if query == product.get("code") or query in (product.get("barcodes") or []):
            return product
    return products[0] if len(products) == 1 else None


class SaleScreen(KassaScreen):
    TITLE = N_("Sale")
    BINDINGS: ClassVar[list] = [
        Binding("f8", "quantity", N_("Quantity")),
        Binding("f9", "discount", N_("Discount")),
        Binding("f10", "pay", N_("Payment")),
        Binding("delete", "remove", N_("Remove line")),
        Binding("escape", "clear_search", N_("Clear"), show=False),
    ]
    ACTION_ROUTES: ClassVar[dict[str, str]] = {
        "pay": "POST /v1/receipts",
    }

    def __init__(self) -> None:
        super().__init__()
        self.cart = Cart()
        self.found: list[dict] = []
        self.busy = False
        self.unsettled: tuple[list[dict], int] | None = None  # payments and change of an open outcome
        self._search_timer = None
        self.scans: deque[str] = deque()  # entries (scans, typed codes) waiting for their lookup
        self._looking_up = False
        self._last_entry = -1.0  # when the last non-empty Enter came
        self._pay_after_lookups = False
        self.awaiting_mark: dict | None = None  # a marked product added without its code: scan it

    def body(self) -> ComposeResult:
        with Vertical(id="sale-body"):
            with Vertical(id="search-pane"):
                yield ScanInput(id="search", placeholder=_("Barcode, code or name, then Enter"))
                results = PlainTable(id="results", cursor_type="row", zebra_stripes=True)
                results.add_columns(_("Code"), _("Name"), _("Price"))
                yield results
            with Vertical(id="cart-pane"):
                cart = CartTable(id="cart")
                cart.add_columns("#", _("Name"), _("Qty"), _("Price"), _("Disc."), _("Amount"))
                yield cart
                yield PlainStatic("", id="totals")
                yield PlainStatic("", id="sale-message")

    def on_mount(self) -> None:
        self.query_one("#search", Input).focus()
        self.show_cart()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        self.look_up()  # entries that waited behind a dialog

    # -- search ---------------------------------------------------------------------------------
    @on(Input.Changed, "#search")
    def _typed(self, event: Input.Changed) -> None:
        if self._search_timer:
            self._search_timer.stop()
        query = event.value.strip()
        if not query:
            self.show_results([])
            return
        self._search_timer = self.set_timer(SEARCH_DELAY, lambda: self.search(query))

    def search(self, query: str) -> None:
        self.call(lambda: self.api.products(query), self.show_results, group="search", exclusive=True)

    def show_results(self, products: list[dict]) -> None:
        self.found = products
        table = self.query_one("#results", PlainTable)
        if not products and not table.row_count:
            return  # already empty: clearing it again would redraw the screen
        table.clear()
        for product in products:
            table.add_row(
                product["code"], product["name"], Text(format_money(product["price"]), justify="right")
            )

    @on(ScanInput.Entered, "#search")
    def _entered(self, event: ScanInput.Entered) -> None:
        query = event.value.strip()
        if not query:
            # an empty Enter is "pay", unless it is part of a scan (a CR LF suffix, a double Enter)
            # or goods are still being looked up
            if self.scans or event.at - self._last_entry < SCAN_ENTER_GAP:
                return
            if self.cart.lines:
                self.action_pay()
            return
        self._last_entry = event.at
        if self._search_timer:
            self._search_timer.stop()
        self.workers.cancel_group(self, "search")
        self.scans.append(query)
        self.look_up()

    def look_up(self) -> None:
        """Look the queued entries up one at a time, in the order they were typed."""
        if self._looking_up or not self.scans or self.busy or self.app.screen is not self:
            return
        self._looking_up = True
        self.run_worker(self._look_up(), group="scan")

    async def _look_up(self) -> None:
        failures = 0
        try:
            # a dialog on top (the weight of a product, the payment) holds the queue until it closes
            while self.scans and not self.busy and self.app.screen is self:
                code = marking_code(self.scans[0], self.api.mark_substitutes)
                if code is not None:
                    self.scans.popleft()
                    await self._add_marked(code)
                    continue
                # the entries queued behind it are looked up at once and added in order, so a
                # backlog costs one redraw of the cart, not one per scan
                batch = list(itertools.islice(self.scans, LOOKUP_BATCH))
                batch = batch[
                    : next(
                        (i for i, q in enumerate(batch) if marking_code(q, self.api.mark_substitutes)),
                        len(batch),
                    )
                ]
                answers = await asyncio.gather(*(self.api.products(q) for q in batch), return_exceptions=True)
                for query, answer in zip(batch, answers, strict=True):
                    if self.busy or self.app.screen is not self or not self.scans or self.scans[0] != query:
                        break  # a dialog opened: the rest is looked up again when it closes
                    if isinstance(answer, DaemonError) and _passing(answer):
                        # the scan stays first in the queue and is looked up again: never dropped
                        failures += 1
                        if failures == 2:  # the first is most often a kept-alive connection closing
                            self.notify(answer.message, severity="error", timeout=8)
                        await asyncio.sleep(min(RETRY_CAP, RETRY_FIRST * 2 ** (failures - 1)))
                        break
                    if isinstance(answer, BaseException) and not isinstance(answer, DaemonError):
                        raise answer
                    self.scans.popleft()
                    if isinstance(answer, DaemonError):
                        self.notify(answer.message, severity="error", timeout=8)
                        self._restore(query)
                        continue
                    failures = 0
                    self._add_found(query, answer)
        finally:
            self._looking_up = False
        if self._pay_after_lookups and not self.scans:
            self._pay_after_lookups = False
            self.action_pay()

    def say(self, text: str, style: str = "") -> None:
        """A line under the cart for the cashier, plain text whatever it holds."""
        self.query_one("#sale-message", PlainStatic).update(plain(text, style))

    async def _add_marked(self, code: MarkingCode | MarkingCodeError) -> None:
        """A scanned DataMatrix: the product of its GTIN, the FN's check in words, then the unit with
        its code (or nothing, when the code may not be sold)."""
        if isinstance(code, MarkingCodeError):
            self.say(code.render(_), "bold red")
            return
        if self.cart.has_mark(code.code):
            self.say(_("This pack is already in the cart: scan each unit once."), "bold yellow")
            return
        try:
            product = None
            for barcode in barcodes_of_gtin(code.gtin):
                found = await self.api.products(barcode)
                product = next((p for p in found if code.gtin in product_gtins(p["barcodes"])), None)
                if product is not None:
                    break
            if product is None:
                missing = _("No product with the GTIN {gtin} in the catalog.").format(gtin=code.gtin)
                self.say(missing, "bold red")
                return
            if not product.get("marked"):
                self.awaiting_mark = None
                self.add(product)
                return
            answer = await self.api.check_mark(code.code, product["code"])
        except DaemonError as error:
            if error.status == 422:
                self.say(error.message, "bold red")
                return
            # the register could not check it now; the receipt checks every code again
            later = _("The code was not checked now ({problem}); the receipt checks it.")
            self.say(later.format(problem=error.message), "yellow")
            answer = {"allowed": True, "message": None}
        if not answer["allowed"]:
            self.say(answer["message"], "bold red")
            self.notify(answer["message"], severity="error", timeout=10)
            return
        self.awaiting_mark = None
        self.add(product, marks=(code.code,))
        if answer["message"]:
            self.say(answer["message"], "green" if answer.get("verdict") == "valid" else "bold yellow")

    def _restore(self, query: str) -> None:
        """Give an entry that found nothing back to the cashier to correct, unless more was typed."""
        search = self.query_one("#search", ScanInput)
        if not search.value and not self.scans:
            search.value = query
            search.cursor_position = len(query)

    def _add_found(self, query: str, products: list[dict]) -> None:
        product = exact_match(products, query)
        if product is not None:
            self.add(product)
            return
        if not products:
            self.notify(_("Nothing found for “{query}”").format(query=query), severity="warning")
            self._restore(query)
            return
        self.show_results(products)
        search = self.query_one("#search", ScanInput)
        if not search.value and not self.scans:
            self.query_one("#results", PlainTable).focus()

    def on_key(self, event: events.Key) -> None:
        """Typing while the results list has the focus goes on in the search line."""
        results = self.query_one("#results", PlainTable)
        if event.is_printable and event.character and self.focused is results:
            event.stop()
            search = self.query_one("#search", ScanInput)
            search.focus()
            search.insert_text_at_cursor(event.character)

    @on(PlainTable.RowSelected, "#results")
    def _picked(self, event: PlainTable.RowSelected) -> None:
        if 0 <= event.cursor_row < len(self.found):
            self.query_one("#search", ScanInput).value = ""  # the search this list answered
            self.add(self.found[event.cursor_row])

    def add(self, product: dict, quantity: Decimal | None = None, marks: tuple[str, ...] = ()) -> None:
        if self.held():
            return
        search = self.query_one("#search", ScanInput)
        if product.get("marked") and not marks:
            self.awaiting_mark = product
            self.say(
                _("“{name}” is marked goods: scan the DataMatrix code on its pack (Esc: cancel).").format(
                    name=product["name"]
                ),
                "bold yellow",
            )
            search.focus()
            return
        if quantity is None and product.get("weighted"):
            self.ask_weight(product, marks)
            return
        line = self.cart.add(product, quantity or Decimal("1.000"), marks)
        search.focus()
        if not search.value:
            self.show_results([])
        message = self.query_one("#sale-message", PlainStatic)
        if not marks and message.content:
            message.update("")
        self.show_line(self.cart.lines.index(line))

    def ask_weight(self, product: dict, marks: tuple[str, ...] = ()) -> None:
        """Goods sold by weight: the cashier types what the scale shows."""

        def check(text: str) -> str | None:
            return None if parse_quantity(text) else _("Enter a quantity, e.g. 2 or 0.350")

        def chosen(text: str | None) -> None:
            if text:
                self.add(product, parse_quantity(text), marks)
            else:
                self.query_one("#search", Input).focus()

        self.app.push_screen(PromptScreen(_("Weight"), product["name"], "", check), chosen)

    def action_clear_search(self) -> None:
        if self.awaiting_mark is not None:
            self.awaiting_mark = None
            self.query_one("#sale-message", PlainStatic).update("")
        search = self.query_one("#search", Input)
        search.value = ""
        search.focus()

    # -- cart -----------------------------------------------------------------------------------
    @staticmethod
    def _cells(number: int, line) -> tuple:
        return (
            str(number),
            line.name,
            Text(format_quantity(line.quantity), justify="right"),
            Text(format_money(line.price), justify="right"),
            Text(format_money(line.discount) if line.discount else "", justify="right"),
            Text(format_money(line.amount), justify="right"),
        )

    def show_cart(self, select: int | None = None) -> None:
        """The whole cart again: after a line was removed or the cart was sold."""
        table = self.query_one("#cart", CartTable)
        table.clear()
        for number, line in enumerate(self.cart.lines, 1):
            table.add_row(*self._cells(number, line))
        if select is not None and self.cart.lines:
            table.move_cursor(row=select)
        self.show_totals()

    def show_line(self, index: int) -> None:
        """One line added or changed: only its row is written (a scan must not redraw the cart)."""
        table = self.query_one("#cart", CartTable)
        cells = self._cells(index + 1, self.cart.lines[index])
        if index == table.row_count:
            table.add_row(*cells)
        elif index < table.row_count:
            table.update_row(index, *cells)
        else:  # the table is behind the cart (cannot happen through this screen): redraw it
            self.show_cart(select=index)
            return
        table.move_cursor(row=index)
        self.show_totals()

    def show_totals(self) -> None:
        totals = Text()
        totals.append(_("Items: {count}").format(count=len(self.cart.lines)))
        if self.cart.discount:
            totals.append("   " + _("Discount: {amount}").format(amount=format_money(self.cart.discount)))
        totals.append("   " + _("TOTAL: "), style="bold")
        totals.append(format_money(self.cart.total), style="bold reverse")
        self.query_one("#totals", PlainStatic).update(totals, layout=False)  # one line, always

    def selected_line(self) -> int | None:
        if not self.cart.lines:
            return None
        row = self.query_one("#cart", CartTable).cursor_row
        return row if 0 <= row < len(self.cart.lines) else len(self.cart.lines) - 1

    def action_remove(self) -> None:
        index = self.selected_line()
        if index is not None and self.focused is not self.query_one("#search", Input) and not self.held():
            self.cart.remove(index)
            self.show_cart(select=max(0, index - 1))

    def action_quantity(self) -> None:
        index = self.selected_line()
        if index is None or self.held():
            return
        line = self.cart.lines[index]
        if line.marked and not line.weighted:
            self.notify(
                _(
                    "The quantity of marked goods is the number of codes scanned: scan another pack, "
                    "or remove the line."
                ),
                severity="warning",
            )
            return

        def check(text: str) -> str | None:
            return None if parse_quantity(text) else _("Enter a quantity, e.g. 2 or 0.350")

        def chosen(text: str | None) -> None:
            if text:
                line.quantity = parse_quantity(text)
                self.show_line(index)
            self.query_one("#search", Input).focus()

        self.app.push_screen(
            PromptScreen(_("Quantity"), line.name, format_quantity(line.quantity), check), chosen
        )

    def action_discount(self) -> None:
        index = self.selected_line()
        if index is None or self.held():
            return
        line = self.cart.lines[index]
        gross = line.amount + line.discount

        def check(text: str) -> str | None:
            amount = parse_money(text)
            if amount is None or amount > gross:
                return _("Enter a discount from 0 to {max}").format(max=format_money(gross))
            return None

        def chosen(text: str | None) -> None:
            if text is not None:
                line.discount = parse_money(text) or 0
                self.show_line(index)
            self.query_one("#search", Input).focus()

        self.app.push_screen(
            PromptScreen(_("Line discount"), line.name, format_money(line.discount), check), chosen
        )

    # -- payment --------------------------------------------------------------------------------
    def action_pay(self) -> None:
        if self.scans:  # the goods scanned before F10 belong on this receipt
            self._pay_after_lookups = True
            return
        if self.busy or not self.cart.lines:
            return
        if self.unsettled is not None:  # the same request again: the daemon finishes it once
            self.sell(*self.unsettled)
            return
        self.app.push_screen(PaymentScreen(self.cart.total), self._paid)

    def _paid(self, payment: dict | None) -> None:
        if not payment:
            self.query_one("#search", Input).focus()
            return
        self.cart.buyer_contact = payment.get("buyer_contact") or ""
        self.sell(payment["payments"], payment["change"])

    def sell(self, payments: list[dict], change: int) -> None:
        self.busy = True
        message = self.query_one("#sale-message", PlainStatic)
        message.update(_("The register is printing the receipt…"))
        request = self.cart.request(payments)

        def failed(error: DaemonError) -> None:
            """The daemon refused the sale: nothing was printed, so the next try is a new sale."""
            self.busy = False
            self.unsettled = None
            self.cart.uuid = str(uuid.uuid4())
            message.update(plain(error.message, "bold red"))
            self.notify(error.message, severity="error", timeout=10)
            self.look_up()

        def stopped(error: DaemonError) -> None:
            """The register may have printed it: the cart stays as it is until Pay finishes it."""
            self.busy = False
            self.unsettled = (payments, change)
            text = plain(error.message, "bold red")
            text.append(
                "\n" + _("This sale may already be printed: press F10 to finish it (it is never sold twice).")
            )
            message.update(text)
            self.query_one("#search", Input).focus()
            self.look_up()

        self.run_on_register(
            lambda: self.api.sell(request),
            lambda receipt: self._sold(receipt, change),
            failed=failed,
            stopped=stopped,
        )

    def held(self) -> bool:
        """A sale whose outcome is open keeps its goods: say so instead of changing them."""
        if self.unsettled is None:
            return False
        self.notify(_("Finish the last sale first: press F10."), severity="warning")
        return True

    def _sold(self, receipt: dict, change: int) -> None:
        self.busy = False
        self.unsettled = None
        self.cart = Cart()
        self.show_cart()
        text = Text()
        text.append(_("Receipt printed"), style="bold green")
        if receipt.get("fd") is not None:
            text.append("  " + _("FD {fd}").format(fd=receipt["fd"]))
        text.append("  " + _("total {amount}").format(amount=format_money(receipt.get("total", 0))))
        if change:
            text.append("   " + _("CHANGE: "), style="bold")
            text.append(format_money(change), style="bold reverse")
        self.query_one("#sale-message", PlainStatic).update(text)
        self.query_one("#search", Input).focus()
        self.app.refresh_status()
        self.look_up()  # goods scanned while the receipt printed start the next one
