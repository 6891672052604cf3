"""`kassa products [--search TEXT] [--json]` and `kassa products add` (only while product sync is off).

While product sync is on the register's list equals the back office's exactly, so the daemon refuses
a local product and says why; the rule lives in the daemon (agent/api/products.py), not here.
"""

from __future__ import annotations

import json

import click

from agent.cli import daemon, echo
from agent.i18n import _
from common.money import format_money

TIMEOUT = 30  # seconds for one answer of the daemon


@click.group(
    "products",
    invoke_without_command=True,
    help=_("Products: search, and add one while product sync is off."),
)
@click.option("--search", "query", metavar="TEXT", default="", help=_("a name, code or barcode"))
@click.option("--json", "as_json", is_flag=True, help=_("Print JSON."))
@click.pass_context
def products(ctx: click.Context, query: str, as_json: bool) -> None:
    if ctx.invoked_subcommand is not None:
        return
    with daemon(TIMEOUT) as client:
        answer = client.get("/v1/products", params={"q": query, "limit": 1000})
    if as_json:
        click.echo(json.dumps(answer, ensure_ascii=False, indent=2))
        return
    for item in answer["items"]:
        origin = _("local") if item["origin"] == "local" else ""
        echo(f"{item['code']:<16} {format_money(item['price']):>12}  {item['name']}  {origin}".rstrip())
    state = _("on") if answer.get("product_sync") else _("off")
    echo(_("{count} products; product sync {state}").format(count=answer["total"], state=state))


@products.command("add", help=_("Add a product at this register (only while product sync is off)."))
@click.option("--code", required=True, help=_("the product code (SKU)"))
@click.option("--name", required=True, help=_("the name printed on the receipt"))
@click.option("--price", required=True, type=click.IntRange(min=0), help=_("price in kopecks"))
@click.option(
    "--tax", default="vat20", show_default=True, help=_("tax rate code: vat20, vat10, vat0, none ...")
)
@click.option("--unit", default="pcs", show_default=True, help=_("unit of measure"))
@click.option("--barcode", "barcodes", multiple=True, help=_("a barcode (repeat for several)"))
@click.option("--weighted", is_flag=True, help=_("sold by weight"))
def add(
    code: str, name: str, price: int, tax: str, unit: str, barcodes: tuple[str, ...], weighted: bool
) -> None:
    body = {
        "code": code.strip(),
        "name": name.strip(),
        "price": price,
        "tax": tax,
        "unit": unit,
        "barcodes": list(barcodes),
        "weighted": weighted,
    }
    with daemon(TIMEOUT) as client:
        product = client.post("/v1/products", json=body)
    echo(
        _("Added {code} «{name}», {price}.").format(
            code=product["code"], name=product["name"], price=format_money(product["price"])
        )
    )
