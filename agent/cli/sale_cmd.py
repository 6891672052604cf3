"""`kassa sale`: a sale from the shell (technicians, scripts), through the daemon's journal.

``--line CODE[xQTY]`` is a catalog line, ``--item NAME=KOPECKS[xQTY]`` a free-price line,
``--pay cash|card[:KOPECKS]`` a payment (none: exact cash; one without amount pays the rest).
``--mark 'DATAMATRIX'`` is the marking code of one unit of a marked product (one ``--mark`` per
unit; GS as sent by the scanner, a substitute, or none); each goes to the ``--line`` whose product
has the code's GTIN, and a line with codes and no quantity sells one unit per code.
``--uuid`` makes it idempotent: after a crash or a timeout run the same command again and
you get the first result, never a second receipt. Without ``--uuid`` one is made up and
printed, so the sale can still be retried.
"""

from __future__ import annotations

import json
import re
import uuid as uuid_module
from decimal import Decimal, InvalidOperation

import click
import httpx

from agent.cli import UserError, echo
from agent.client import DaemonClient, DaemonError, DaemonNotRunning
from agent.i18n import _
from common.digits import is_digits
from common.marking import MarkingCodeError, parse, product_gtins
from common.money import format_money

SALE_TIMEOUT = 300.0  # seconds: a sale may first open the shift (the register allows 120 s for that)
EXIT_FAILED = 1
EXIT_NOT_RUNNING = 3

_QUANTITY = re.compile(r"^(?P<head>.+?)x(?P<qty>[0-9]+(?:[.,][0-9]{1,3})?)$")


def _split_quantity(text: str) -> tuple[str, str]:
    match = _QUANTITY.match(text)
    if match is None:
        return text, "1"
    return match["head"], match["qty"].replace(",", ".")


def parse_line(text: str) -> dict:
    """CODE[xQTY] → a catalog line; a code may itself contain an x (the quantity must be numeric)."""
    code, quantity = _split_quantity(text.strip())
    if not code:
        raise click.BadParameter(_("expected CODE or CODExQUANTITY, e.g. 4607001x2"))
    return {"code": code, "quantity": quantity}


def parse_item(text: str) -> dict:
    """NAME=KOPECKS[xQTY] → a free-price line."""
    name, sep, rest = text.rpartition("=")
    price, quantity = _split_quantity(rest.strip())
    if not sep or not name.strip() or not is_digits(price):
        raise click.BadParameter(_("expected NAME=KOPECKS or NAME=KOPECKSxQUANTITY, e.g. Bag=500x2"))
    return {"name": name.strip(), "price": int(price), "quantity": quantity}


def parse_payment(text: str) -> dict:
    kind, sep, amount = text.partition(":")
    if not kind or (sep and not is_digits(amount)):
        raise click.BadParameter(_("expected KIND or KIND:KOPECKS, e.g. cash:50000"))
    return {"kind": kind, "amount": int(amount)} if sep else {"kind": kind}


def _retry_hint(given: str | None, uuid: str) -> str:
    """Retrying with the same uuid is always safe: it returns the first result or sells once."""
    return "" if given else " " + _("(retry with --uuid {uuid})").format(uuid=uuid)


def _convert(parser, values):
    try:
        return [parser(value) for value in values]
    except (InvalidOperation, ValueError) as exc:
        raise click.BadParameter(str(exc)) from None


def receipt_body(lines, items, payments, uuid: str | None, cashier: str | None) -> dict:
    """The request body shared by ``kassa sale`` and ``kassa correction``: lines, payments, cashier."""
    body_lines = _convert(parse_line, lines) + _convert(parse_item, items)
    if not body_lines:
        raise UserError(_("nothing to sell: give at least one --line CODE or --item NAME=KOPECKS"), 2)
    for line in body_lines:
        try:
            Decimal(line["quantity"])
        except InvalidOperation:
            raise UserError(_("bad quantity {quantity}").format(quantity=line["quantity"]), 2) from None
    body = {
        "uuid": uuid or str(uuid_module.uuid4()),
        "lines": body_lines,
        "payments": _convert(parse_payment, payments),
    }
    if cashier:
        body["cashier"] = {"employee_id": int(cashier)} if is_digits(cashier) else {"name": cashier}
    return body


def post_receipt(path: str, body: dict, given_uuid: str | None, marks: tuple[str, ...] = ()) -> dict:
    """Send a receipt to the daemon; every failure says how to retry it safely (same uuid)."""
    from agent.config import load_settings

    settings = load_settings()
    try:
        with DaemonClient(settings.socket, timeout=SALE_TIMEOUT) as client:
            if marks:
                substitute = settings.config.marking.gs_substitute
                assign_marks(client, body["lines"], marks, (substitute,) if substitute else ())
            return client.post(path, json=body)
    except DaemonNotRunning as exc:
        raise UserError(exc.message, EXIT_NOT_RUNNING) from None
    except DaemonError as exc:
        raise UserError(exc.message + _retry_hint(given_uuid, body["uuid"]), EXIT_FAILED) from None
    except httpx.HTTPError as exc:  # the daemon died or hung mid-sale: the receipt is settled on restart
        message = _("the daemon stopped answering during the sale ({error})").format(error=exc)
        raise UserError(message + _retry_hint(None, body["uuid"]), EXIT_FAILED) from None


def assign_marks(client: DaemonClient, lines: list[dict], marks: tuple[str, ...], substitutes) -> None:
    """Each code to the catalog line of its GTIN (read from the daemon's catalog)."""
    catalog = [line for line in lines if "code" in line]
    owners: dict[str, dict] = {}
    for line in catalog:
        found = client.get("/v1/products", params={"q": line["code"], "limit": 5})["items"]
        product = next((p for p in found if p["code"] == line["code"]), None)
        for gtin in product_gtins(product["barcodes"]) if product else ():
            owners.setdefault(gtin, line)
    for raw in marks:
        try:
            code = parse(raw, substitutes)
        except MarkingCodeError as exc:
            raise UserError(
                _("--mark {code}: {problem}").format(code=raw, problem=exc.render(_)), 2
            ) from None
        line = owners.get(code.gtin) or (catalog[0] if len(catalog) == 1 else None)
        if line is None:
            raise UserError(
                _("--mark {code}: no --line is a product with the GTIN {gtin}").format(
                    code=raw, gtin=code.gtin
                ),
                2,
            )
        line.setdefault("marks", []).append(raw)
    for line in lines:
        if not line.pop("quantity_given", True) and line.get("marks"):
            line["quantity"] = str(len(line["marks"]))


def quantities_from_marks(body: dict, lines, marks) -> None:
    """A ``--line`` without a quantity sells as many units as it gets ``--mark``s."""
    for line, text in zip(body["lines"], lines if marks else (), strict=False):  # catalog lines first
        line["quantity_given"] = _QUANTITY.match(text.strip()) is not None


def print_json(receipt: dict) -> None:
    keys = ("uuid", "fd", "fiscal_sign", "total", "change", "shift", "status", "replayed")
    click.echo(json.dumps({key: receipt.get(key) for key in keys}, ensure_ascii=False))


def receipt_options(command):
    """The lines, payments and marking codes of a receipt, as a sale and a correction take them."""
    options = (
        click.option(
            "--line", "lines", multiple=True, metavar="CODE[xQTY]", help=_("A catalog product (its code).")
        ),
        click.option(
            "--item", "items", multiple=True, metavar="NAME=KOPECKS[xQTY]", help=_("A free-price line.")
        ),
        click.option("--pay", "payments", multiple=True, metavar="cash|card[:KOPECKS]", help=_("A payment.")),
        click.option(
            "--mark",
            "marks",
            multiple=True,
            metavar="DATAMATRIX",
            help=_("The marking code of one unit of a marked product, as scanned; one --mark per unit."),
        ),
    )
    for option in reversed(options):
        command = option(command)
    return command


@click.command("sale", help=_("Make a sale from the shell."))
@receipt_options
@click.option("--uuid", "uuid", metavar="UUID", help=_("Idempotency key: the same uuid never sells twice."))
@click.option("--buyer", metavar="PHONE|EMAIL", help=_("Buyer's contact (tag 1008)."))
@click.option(
    "--buyer-name", metavar="NAME", help=_("A B2B buyer's name (tag 1227); give --buyer-inn with it.")
)
@click.option("--buyer-inn", metavar="INN", help=_("A B2B buyer's INN, 10 or 12 digits (tag 1228)."))
@click.option(
    "--cashier",
    metavar="NAME|ID",
    help=_(
        "Cashier on the receipt (tag 1021): a name or an employee's id; default: [access] default_cashier"
    ),
)
@click.option("--json", "as_json", is_flag=True, help=_("Print uuid, fd, fiscal_sign and total as JSON."))
def sale(lines, items, payments, marks, uuid, buyer, buyer_name, buyer_inn, cashier, as_json) -> None:
    body = receipt_body(lines, items, payments, uuid, cashier)
    quantities_from_marks(body, lines, marks)
    if buyer:
        body["buyer_contact"] = buyer
    if buyer_name is not None:
        body["buyer_name"] = buyer_name
    if buyer_inn is not None:
        body["buyer_inn"] = buyer_inn
    receipt = post_receipt("/v1/receipts", body, uuid, marks)
    if as_json:
        print_json(receipt)
        return
    text = _("Receipt FD {fd} (fiscal sign {sign}), shift {shift}: total {total}").format(
        fd=receipt["fd"],
        sign=receipt["fiscal_sign"],
        shift=receipt["shift"],
        total=format_money(receipt["total"]),
    )
    if receipt.get("change"):
        text += _(", change {change}").format(change=format_money(receipt["change"]))
    echo(text)
    if receipt.get("replayed"):
        echo(_("(already fiscalized earlier with this uuid; nothing was printed now)"))
    echo(_("uuid: {uuid}").format(uuid=receipt["uuid"]))
