"""A product added at the register ("Добавить товар"), possible only while product sync is off: then
the register keeps its own list. The daemon refuses it while sync is on, with the manual's reason."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Button, Input, Select, Switch

from agent.client import DaemonError
from agent.i18n import N_, _
from tui.money import parse_money
from tui.screens.dialogs import FormDialog, choices, picker
from tui.widgets.plain import PlainLabel, PlainStatic

# the tax codes of the register's profiles (tag 1199); the register refuses one it does not know
TAXES = {
    "vat22": N_("VAT 22%"),
    "vat10": N_("VAT 10%"),
    "vat7": N_("VAT 7%"),
    "vat5": N_("VAT 5%"),
    "vat0": N_("VAT 0%"),
    "none": N_("No VAT"),
}
UNITS = {"pcs": N_("pcs"), "kg": N_("kg"), "l": N_("l"), "m": N_("m")}
MAX_CODE, MAX_NAME, MAX_BARCODE = 64, 128, 64  # the API's bounds (ProductBody)


def product_body(values: dict) -> tuple[dict | None, str]:
    """The ``POST /v1/products`` body from the dialog's fields, or what is wrong."""
    code, name = values["code"].strip(), values["name"].strip()
    if not code:
        return None, _("Type the product's code (its SKU)")
    if not name:
        return None, _("Type the product's name")
    price = parse_money(values["price"])
    if price is None:
        return None, _("Enter a sum like 1000 or 1000.50")
    if values["tax"] not in TAXES:
        return None, _("Choose the VAT rate")
    body = {
        "code": code,
        "name": name,
        "price": price,
        "tax": values["tax"],
        "unit": values["unit"],
        "weighted": bool(values["weighted"]),
        "barcodes": [values["barcode"].strip()] if values["barcode"].strip() else [],
    }
    return body, ""


class ProductScreen(FormDialog):
    """The fields of a new product; saves it through the API and answers the product, or None."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="product"):
            yield PlainLabel(_("Add a product"), classes="dialog-title")
            with Grid(id="product-grid"):
                yield PlainLabel(_("Code"))
                yield Input(id="code", max_length=MAX_CODE, compact=True)
                yield PlainLabel(_("Name"))
                yield Input(id="name", max_length=MAX_NAME, compact=True)
                yield PlainLabel(_("Price"))
                yield Input(id="price", max_length=16, compact=True, placeholder="0.00")
                yield PlainLabel(_("VAT"))
                yield Select(
                    choices(TAXES),
                    prompt=_("Choose the VAT rate"),
                    id="tax",
                    compact=True,
                )
                yield PlainLabel(_("Unit"))
                yield picker(choices(UNITS), "pcs", "unit")
                yield PlainLabel(_("Barcode"))
                yield Input(id="barcode", max_length=MAX_BARCODE, compact=True)
                yield PlainLabel(_("Sold by weight"))
                yield Switch(id="weighted")
            yield PlainStatic("", id="product-error", classes="error-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Add"), variant="primary", id="yes")
                yield Button(_("Cancel"), id="no")

    def on_mount(self) -> None:
        self.query_one("#code", Input).focus()

    def values(self) -> dict:
        fields = ("code", "name", "price", "barcode")
        out: dict = {key: self.query_one(f"#{key}", Input).value for key in fields}
        out["tax"] = self.query_one("#tax", Select).value
        out["unit"] = str(self.query_one("#unit", Select).value)
        out["weighted"] = self.query_one("#weighted", Switch).value
        return out

    def submit(self) -> None:
        body, problem = product_body(self.values())
        if body is None:
            self.query_one("#product-error", PlainStatic).update(problem)
            return
        api = self.app.api

        async def save() -> None:
            try:
                added = await api.add_product(body)
            except DaemonError as error:  # product sync turned on meanwhile, a code taken, ...
                self.query_one("#product-error", PlainStatic).update(error.message)
                return
            self.dismiss(added)

        self.run_worker(save(), exclusive=True)
