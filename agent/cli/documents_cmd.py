"""`kassa documents [--state S] [--since DATE] [--json|--csv]` and `kassa documents resend ID`.

What reached the back office and what did not, and why: every receipt, return, shift and cash
document with its state there (queued, sent, accepted, duplicate, conflict, rejected) and the
last error. `resend` queues a rejected or conflicting one again once its cause is fixed.
"""

from __future__ import annotations

import csv
import json
import sys
from datetime import date, datetime, time

import click

from agent.cli import UserError, daemon, echo
from agent.i18n import N_, _
from common.money import format_money

STATES = {
    "queued": N_("queued"),
    "sent": N_("sent, no answer yet"),
    "accepted": N_("accepted"),
    "duplicate": N_("duplicate (already there)"),
    "conflict": N_("conflict"),
    "rejected": N_("rejected"),
}
KINDS = {
    "sale": N_("sale"),
    "return": N_("return"),
    "shift_open": N_("shift opened"),
    "shift_close": N_("shift closed"),
    "cash_in": N_("cash in"),
    "cash_out": N_("cash out"),
}
CSV_COLUMNS = ("id", "fd", "type", "fiscalized_at", "total", "state", "attempts", "error", "uuid")
PAGE = 1000
TIMEOUT = 60  # seconds for one page of the daemon's answer


def parse_since(value: str) -> str:
    """YYYY-MM-DD (local midnight) or an ISO date-time; the API takes an aware ISO date-time."""
    try:
        moment = datetime.combine(date.fromisoformat(value), time())
    except ValueError:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise UserError(
                _("--since: expected a date like 2026-11-30 or a date and time, got {value}").format(
                    value=value
                ),
                2,
            ) from None
    if moment.tzinfo is None:
        moment = moment.astimezone()  # the technician means the register's local time
    return moment.isoformat()


def _local(value: str | None) -> str:
    if not value:
        return "—"
    return datetime.fromisoformat(value).astimezone().strftime("%Y-%m-%d %H:%M")


def error_of(doc: dict) -> str:
    return doc.get("message") or doc.get("last_error") or ""


@click.group(
    "documents", invoke_without_command=True, help=_("Documents and their state on the back office.")
)
@click.option(
    "--state",
    type=click.Choice([*STATES, "problems"]),
    help=_("only documents in this state (problems = conflict and rejected)"),
)
@click.option(
    "--since", metavar="DATE", help=_("only documents fiscalized on or after this date (local time)")
)
@click.option("--json", "as_json", is_flag=True, help=_("Print JSON."))
@click.option("--csv", "as_csv", is_flag=True, help=_("Print CSV (for a spreadsheet)."))
@click.pass_context
def documents(ctx: click.Context, state: str | None, since: str | None, as_json: bool, as_csv: bool) -> None:
    if ctx.invoked_subcommand is not None:
        return
    if as_json and as_csv:
        raise UserError(_("choose one of --json and --csv"), 2)
    params: dict = {"limit": PAGE}
    if state:
        params["state"] = state
    if since:
        params["since"] = parse_since(since)
    items: list[dict] = []
    with daemon(TIMEOUT) as client:
        while True:
            page = client.get("/v1/documents", params={**params, "offset": len(items)})["items"]
            items += page
            if len(page) < PAGE:
                break
    if as_json:
        click.echo(json.dumps(items, ensure_ascii=False, indent=2))
    elif as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for doc in items:
            writer.writerow(
                [doc["id"], doc["fd"] or "", doc["type"], doc["fiscalized_at"] or "",
                 format_money(doc["total"]), doc["state"], doc["attempts"], error_of(doc), doc["uuid"]]
            )  # fmt: skip
    else:
        _print_table(items)


def _print_table(items: list[dict]) -> None:
    if not items:
        echo(_("No documents."))
        return
    for doc in items:
        kind = _(KINDS[doc["type"]]) if doc["type"] in KINDS else doc["type"]
        state = _(STATES[doc["state"]]) if doc["state"] in STATES else doc["state"]
        fd = str(doc["fd"]) if doc.get("fd") is not None else "—"
        line = f"{doc['id']:>6}  {_('FD')} {fd:<6} {_local(doc['fiscalized_at'])}  {kind:<14} "
        line += f"{format_money(doc['total']):>12}  {state}"
        if doc["state"] in ("conflict", "rejected", "sent") and error_of(doc):
            line += f": {error_of(doc)}"
        echo(line)
    problems = sum(1 for doc in items if doc["state"] in ("conflict", "rejected"))
    if problems:
        echo(
            _(
                "Not accepted: {n}. After fixing the cause in the back office: kassa documents resend ID"
            ).format(n=problems)
        )


@documents.command("resend", help=_("Send a rejected or conflicting document again (administrator)."))
@click.argument("document_id", type=int)
def resend(document_id: int) -> None:
    with daemon(TIMEOUT) as client:
        client.post(f"/v1/documents/{document_id}/resend")
    echo(_("Document {id} is queued to be sent again.").format(id=document_id))
