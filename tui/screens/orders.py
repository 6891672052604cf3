"""Orders ("Заказы"): marketplace orders relayed to this register, to fiscalize or reject."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical

from agent.client import DaemonError
from agent.i18n import N_, _
from tui.money import format_money, format_quantity
from tui.plain import printable
from tui.screens.base import KassaScreen
from tui.screens.dialogs import PromptScreen
from tui.screens.mark_scan import OrderMarkScanScreen
from tui.screens.marketplace import MarketplaceScreen
from tui.screens.order_lines import PickProductScreen
from tui.timefmt import local_time
from tui.widgets.plain import PlainStatic, PlainTable

ORDER_STATES = {
    "waiting": N_("waiting"),
    "fiscalized": N_("fiscalized"),
    "settled": N_("settled without a receipt"),
    "rejected": N_("rejected"),
    "cancelled": N_("cancelled"),
    "unsupported": N_("cannot fiscalize"),
}


def order_text(order: dict) -> Text:
    text = Text()
    source = printable(order.get("marketplace") or order.get("source"), one_line=True)
    text.append(f"{source} {printable(order.get('remote_id'), one_line=True)}\n", "bold")
    buyer = order.get("buyer") or {}
    who = " ".join(printable(buyer.get(key), one_line=True) for key in ("name", "email", "phone")).strip()
    if who:
        text.append(who + "\n")
    unmatched = set(order.get("unmatched") or ())
    marked = {need["position"]: need["count"] for need in order.get("marks_needed") or ()}
    for position, line in enumerate(order.get("lines") or [], start=1):
        code = printable(line.get("code"), one_line=True)
        if position in unmatched:
            sku = printable(line.get("sku"), one_line=True) or "—"
            code = _("no product for {sku}").format(sku=sku)
        text.append(
            f"{code}  {printable(line.get('name'), one_line=True)}"
            f"  {format_quantity(line.get('quantity', '1'))}"
            f" × {format_money(line.get('price', 0))}\n",
            "bold red" if position in unmatched else "",
        )
        if position in marked:
            to_scan = _("marked goods: {count} codes to scan").format(count=marked[position])
            text.append(f"  {to_scan}\n", "yellow")
    currency = printable(order.get("currency"), one_line=True)
    text.append(_("TOTAL: ") + f"{format_money(order.get('total', 0))} {currency}\n", "bold")
    if order.get("reason"):
        text.append(printable(order["reason"]) + "\n", style="bold red")
    receipt = order.get("receipt") or {}
    if order.get("status") == "fiscalized" and receipt.get("fd") is not None:
        text.append(
            _("Receipt: FD {fd}, fiscal sign {sign}").format(
                fd=printable(str(receipt["fd"]), one_line=True),
                sign=printable(receipt.get("fiscal_sign"), one_line=True),
            )
            + "\n"
        )
        if receipt.get("check_link"):
            text.append(
                _("Check: {link}").format(link=printable(receipt["check_link"], one_line=True)) + "\n"
            )
    return text


class OrdersScreen(KassaScreen):
    TITLE = N_("Orders")
    BINDINGS: ClassVar[list] = [
        Binding("f8", "fiscalize('card')", N_("Fiscalize (card)")),
        Binding("f9", "fiscalize('cash')", N_("Fiscalize (cash)")),
        Binding("f10", "reject", N_("Reject")),
        Binding("f11", "pick", N_("Pick product")),
        Binding("ctrl+u", "update_now", N_("Update now")),
        Binding("ctrl+a", "accounts", N_("Marketplace accounts")),
        Binding("ctrl+r", "reload", N_("Refresh")),
    ]
    ACTION_ROUTES: ClassVar[dict[str, str]] = {
        "fiscalize_card": "POST /v1/orders/{order_id}/fiscalize",
        "fiscalize_cash": "POST /v1/orders/{order_id}/fiscalize",
        "reject": "POST /v1/orders/{order_id}/reject",
        "pick": "POST /v1/orders/{order_id}/lines/{position}",
        "update_now": "POST /v1/sync",
        "accounts": "GET /v1/marketplace/accounts",
    }

    def __init__(self) -> None:
        super().__init__()
        self.orders: list[dict] = []

    def body(self) -> ComposeResult:
        with Vertical(id="orders-body", classes="split"):
            table = PlainTable(id="orders", cursor_type="row", zebra_stripes=True)
            table.add_columns(_("Order"), _("Marketplace"), _("Received"), _("Total"), _("State"))
            yield table
            yield PlainStatic("", id="order-detail", classes="detail")

    def on_mount(self) -> None:
        self.query_one("#orders", PlainTable).focus()

    def refresh_data(self) -> None:
        self.call(self.api.orders, self.show, group="load", exclusive=True)

    def action_reload(self) -> None:
        self.refresh_data()

    def show(self, orders: list[dict]) -> None:
        self.orders = orders
        table = self.query_one("#orders", PlainTable)
        table.clear()
        for order in orders:
            total = f"{format_money(order.get('total', 0))} {printable(order.get('currency'))}"
            table.add_row(
                str(order.get("remote_id") or order.get("id")),
                order.get("marketplace") or order.get("source", ""),
                local_time(order.get("received_at") or order.get("created_at")),
                Text(total, justify="right"),
                _(ORDER_STATES.get(order.get("status", ""), order.get("status", ""))),
            )
        detail = self.query_one("#order-detail", PlainStatic)
        detail.update(order_text(orders[0]) if orders else _("No marketplace orders."))

    @on(PlainTable.RowHighlighted, "#orders")
    def _highlighted(self, event: PlainTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.orders):
            self.query_one("#order-detail", PlainStatic).update(order_text(self.orders[event.cursor_row]))

    def selected(self) -> dict | None:
        row = self.query_one("#orders", PlainTable).cursor_row
        if not 0 <= row < len(self.orders):
            return None
        order = self.orders[row]
        if order.get("status") != "waiting":
            self.notify(_("This order is not waiting to be fiscalized."), severity="warning")
            return None
        return order

    def action_fiscalize(self, pay: str) -> None:
        """Marked goods first: the code of each unit, scanned and checked one by one (Esc calls the
        whole fiscalizing off; the order keeps waiting), then the order goes with its codes."""
        order = self.selected()
        if not order:
            return
        needed = order.get("marks_needed") or []
        marks: list[dict] = []
        taken: set[str] = set()

        def collect(index: int) -> None:
            if index == len(needed):
                self.fiscalize(order, pay, marks or None)
                return
            need = needed[index]

            def scanned(codes: list[str] | None) -> None:
                if not codes:
                    called_off = _("Not fiscalized: the order waits for its marking codes.")
                    self.notify(called_off, severity="warning")
                    return
                marks.append({"position": need["position"], "codes": codes})
                collect(index + 1)

            self.app.push_screen(OrderMarkScanScreen(self.api, need, taken), scanned)

        collect(0)

    def fiscalize(self, order: dict, pay: str, marks: list[dict] | None) -> None:
        def failed(error: DaemonError) -> None:
            self.notify(error.message, severity="error", timeout=10)
            self.refresh_data()

        def done(answer) -> None:
            if isinstance(answer, dict) and answer.get("receipt") is None:
                self.notify(_("The order's total is zero: settled without a receipt."))
            else:
                self.notify(_("Order fiscalized."))
            self.refresh_data()

        # the daemon derives the receipt's uuid from the order: Continue and a second F8 are both safe
        self.run_on_register(lambda: self.api.fiscalize_order(order["id"], pay, marks), done, failed=failed)

    def action_reject(self) -> None:
        order = self.selected()
        if not order:
            return

        def chosen(reason: str | None) -> None:
            if reason:
                self.call(
                    lambda: self.api.reject_order(order["id"], reason),
                    lambda _answer: self.refresh_data(),
                )

        self.app.push_screen(
            PromptScreen(
                _("Reject order"),
                _("Reason"),
                "",
                lambda text: None if text.strip() else _("Say why"),
            ),
            chosen,
        )

    def action_pick(self) -> None:
        """The first line of the order that matches no product: the cashier picks one (never guessed)."""
        order = self.selected()
        if not order:
            return
        missing = order.get("unmatched") or []
        if not missing:
            self.notify(_("Every line of this order has its product."))
            return
        position = missing[0]

        def picked(code: str | None) -> None:
            if code:
                self.call(lambda: self.api.pick_order_product(order["id"], position, code), self._picked)

        self.app.push_screen(PickProductScreen(order["lines"][position - 1], position), picked)

    def _picked(self, order: dict) -> None:
        left = order.get("unmatched") or []
        if left:
            self.notify(_("Product picked. Lines still without a product: {n}.").format(n=len(left)))
        else:
            self.notify(_("Product picked: the order can be fiscalized."))
        self.refresh_data()

    def action_update_now(self) -> None:
        """ "Обновить сейчас": products and orders from the back office and every marketplace account."""
        self.notify(_("Exchanging data with the back office…"))

        def done(results: list[dict]) -> None:
            errors = [result for result in results if result.get("error")]
            for result in errors:
                stream = printable(result.get("stream"), one_line=True)
                self.notify(f"{stream}: {printable(result['error'])}", severity="error")
            if not errors:
                self.notify(_("Data exchanged with the back office."))
            self.refresh_data()

        self.call(lambda: self.api.sync_now(), done, group="sync", exclusive=True)

    def action_accounts(self) -> None:
        self.app.push_screen(MarketplaceScreen())
