"""`kassa correction`: a correction receipt (чек коррекции) from the shell, through the daemon's journal.

Lines, payments and the marking codes of marked goods (``--mark``) are given as for ``kassa sale``
(one parser for both). ``--reason`` says why;
``--document-date`` is the day of the settlement being corrected (tag 1178, default today) and
``--document-number`` the tax service's order (tag 1179): with it the correction is made by order
(tag 1173 = 1), without it on the shop's own initiative. ``--uuid`` makes it idempotent.
"""

from __future__ import annotations

import click

from agent.cli import echo
from agent.cli.sale_cmd import post_receipt, print_json, quantities_from_marks, receipt_body, receipt_options
from agent.i18n import _
from common.money import format_money

SIGNS = ("sale", "return", "expense", "expense_return")


@click.command("correction", help=_("Make a correction receipt (a settlement the register missed)."))
@receipt_options
@click.option("--reason", required=True, metavar="TEXT", help=_("Why the correction is made."))
@click.option(
    "--sign",
    type=click.Choice(SIGNS),
    default="sale",
    show_default=True,
    help=_("The corrected settlement (tag 1054)."),
)
@click.option(
    "--document-date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help=_("Day of the corrected settlement (tag 1178); default: today."),
)
@click.option(
    "--document-number",
    metavar="N",
    help=_("The tax service's order number (tag 1179): the correction is then made by order."),
)
@click.option("--uuid", "uuid", metavar="UUID", help=_("Idempotency key: the same uuid never sells twice."))
@click.option(
    "--cashier",
    metavar="NAME|ID",
    help=_(
        "Cashier on the receipt (tag 1021): a name or an employee's id; default: [access] default_cashier"
    ),
)
@click.option("--json", "as_json", is_flag=True, help=_("Print uuid, fd, fiscal_sign and total as JSON."))
def correction(
    lines, items, payments, marks, reason, sign, document_date, document_number, uuid, cashier, as_json
) -> None:
    body = receipt_body(lines, items, payments, uuid, cashier)
    quantities_from_marks(body, lines, marks)
    body.update(sign=sign, reason=reason)
    if document_date is not None:
        body["document_date"] = document_date.date().isoformat()
    if document_number:
        body["document_number"] = document_number
    receipt = post_receipt("/v1/corrections", body, uuid, marks)
    if as_json:
        print_json(receipt)
        return
    echo(
        _("Correction receipt FD {fd} (fiscal sign {sign}), shift {shift}: total {total}").format(
            fd=receipt["fd"],
            sign=receipt["fiscal_sign"],
            shift=receipt["shift"],
            total=format_money(receipt["total"]),
        )
    )
    if receipt.get("replayed"):
        echo(_("(already fiscalized earlier with this uuid; nothing was printed now)"))
    echo(_("uuid: {uuid}").format(uuid=receipt["uuid"]))
