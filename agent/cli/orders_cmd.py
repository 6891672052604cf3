"""`kassa orders [--json]` and `kassa orders fiscalize ID [--pay card|cash] [--mark POSITION=DATAMATRIX]`
(the TUI's path; never twice): marked goods go with the code of each unit, one ``--mark`` per unit."""

from __future__ import annotations

import json

import click

from agent.cli import UserError, daemon, echo
from agent.i18n import N_, _
from common.digits import is_digits
from common.money import format_money

TIMEOUT = 180  # seconds: a fiscalization waits for the register


def _money(kopecks: int, currency: str) -> str:
    return f"{format_money(kopecks)} {currency}"


ORDER_STATES = {
    "waiting": N_("waiting"),
    "fiscalized": N_("fiscalized"),
    "settled": N_("settled without a receipt"),
    "rejected": N_("rejected"),
    "cancelled": N_("cancelled"),
    "unsupported": N_("cannot fiscalize"),
}


@click.group("orders", invoke_without_command=True, help=_("Marketplace orders: list and fiscalize."))
@click.option("--json", "as_json", is_flag=True, help=_("Print JSON."))
@click.pass_context
def orders(ctx: click.Context, as_json: bool) -> None:
    if ctx.invoked_subcommand is not None:
        return
    with daemon(TIMEOUT) as client:
        items = client.get("/v1/orders")["items"]
    if as_json:
        click.echo(json.dumps(items, ensure_ascii=False, indent=2))
        return
    if not items:
        echo(_("No orders."))
        return
    for order in items:
        state = _(ORDER_STATES[order["status"]]) if order["status"] in ORDER_STATES else order["status"]
        line = f"{order['id']:>5}  {state:<14} {order['marketplace'] or order['source']:<12} "
        line += f"{_money(order['total'], order['currency']):>14}  {order['remote_id']}"
        if order.get("reason"):
            line += f"  ({order['reason']})"
        echo(line)
        for position in order.get("unmatched") or []:
            item = order["lines"][position - 1]
            echo(
                "       "
                + _(
                    "line {position}: {name} (SKU {sku}) matches no product: kassa orders match {id} {position} CODE"  # noqa: E501
                ).format(position=position, name=item.get("name"), sku=item.get("sku") or "-", id=order["id"])
            )
        for need in order.get("marks_needed") or []:
            echo(
                "       "
                + _(
                    "line {position}: {name} is marked goods: {count} codes, kassa orders fiscalize {id} --mark {position}=DATAMATRIX"  # noqa: E501
                ).format(position=need["position"], name=need["name"], count=need["count"], id=order["id"])
            )


def order_marks(marks: tuple[str, ...]) -> list[dict]:
    """``--mark 1=CODE --mark 1=CODE2`` -> ``[{"position": 1, "codes": [CODE, CODE2]}]``."""
    by_line: dict[int, list[str]] = {}
    for text in marks:
        position, sep, code = text.partition("=")
        if not sep or not is_digits(position.strip()) or not code or int(position) < 1:
            problem = _("--mark {text}: expected POSITION=DATAMATRIX, e.g. 1=0104607...").format(text=text)
            raise UserError(problem, 2)
        by_line.setdefault(int(position), []).append(code)
    return [{"position": position, "codes": codes} for position, codes in sorted(by_line.items())]


@orders.command(
    "fiscalize", help=_("Fiscalize one order (never twice); a zero-total one is settled without a receipt.")
)
@click.argument("order_id", type=int)
@click.option(
    "--pay",
    type=click.Choice(["card", "cash"]),
    default=None,
    help=_("Payment kind (default: the marketplace account's, else card)."),
)
@click.option(
    "--mark",
    "marks",
    multiple=True,
    metavar="POSITION=DATAMATRIX",
    help=_("The marking code of one unit of the order's line POSITION (from 1); one --mark per unit."),
)
def fiscalize(order_id: int, pay: str | None, marks: tuple[str, ...]) -> None:
    body: dict = {"pay": pay} if pay else {}
    if marks:
        body["marks"] = order_marks(marks)
    with daemon(TIMEOUT) as client:
        answer = client.post(f"/v1/orders/{order_id}/fiscalize", json=body)
    receipt = answer["receipt"]
    if receipt is None:
        echo(
            _("Order {id} has a zero total: settled without a receipt (the register prints none).").format(
                id=order_id
            )
        )
    elif answer.get("replayed"):
        echo(_("Order {id} was already fiscalized: FD {fd}").format(id=order_id, fd=receipt["fd"]))
    else:
        echo(
            _("Order {id} fiscalized: FD {fd}, fiscal sign {sign}").format(
                id=order_id, fd=receipt["fd"], sign=receipt["fiscal_sign"]
            )
        )


@orders.command("reject", help=_("Reject one order: it is not fiscalized, and the back office is told so."))
@click.argument("order_id", type=int)
@click.option("--reason", metavar="TEXT", help=_("why (shown beside the order)"))
def reject(order_id: int, reason: str | None) -> None:
    if reason is not None and len(reason) > 200:
        raise UserError(_("--reason: at most 200 characters"), 2)
    with daemon(TIMEOUT) as client:
        client.post(f"/v1/orders/{order_id}/reject", json={"reason": reason})
    echo(_("Order {id} rejected.").format(id=order_id))


@orders.command("match", help=_("Pick the register's product for an order line that matches none."))
@click.argument("order_id", type=int)
@click.argument("position", type=int)
@click.argument("code")
def match(order_id: int, position: int, code: str) -> None:
    with daemon(TIMEOUT) as client:
        client.post(f"/v1/orders/{order_id}/lines/{position}", json={"code": code})
    echo(_("Order {id}, line {position}: product {code}.").format(id=order_id, position=position, code=code))
