"""`kassa marketplace add allegro [--name NAME] | list [--json] | set ID | import [ID] | remove ID [--yes]`.

``add`` runs the OAuth device flow through the daemon (which keeps the tokens): it prints the link,
the user code and a QR code, waits for the seller's decision, and exits 0 once connected,
3 when the seller refused, 4 when the code expired.
"""

from __future__ import annotations

import json
import time

import click

from agent.cli import UserError, daemon, echo
from agent.i18n import _
from common.digits import is_digits

EXIT_DENIED = 3
EXIT_EXPIRED = 4
POLL = 1.0  # seconds between questions to the daemon (the daemon polls Allegro at its interval)
TIMEOUT = 60  # seconds for one answer of the daemon
IMPORT_TIMEOUT = 300  # an import waits for every account's marketplace


@click.group("marketplace", help=_("Connect and list marketplace accounts."))
def marketplace() -> None:
    pass


@marketplace.command(
    "add", help=_("Connect a marketplace account (device flow: approve it on another device).")
)
@click.argument("name_of_marketplace", metavar="allegro", type=click.Choice(["allegro"]))
@click.option("--name", default=None, help=_("A name for the account at this register."))
def add(name_of_marketplace: str, name: str | None) -> None:
    body = {"marketplace": name_of_marketplace}
    if name:
        body["name"] = name
    with daemon(TIMEOUT) as client:
        flow = client.post("/v1/marketplace/accounts", json=body)
        _show_flow(flow)
        try:
            while flow["state"] == "pending":
                time.sleep(POLL)
                flow = client.get(f"/v1/marketplace/connect/{flow['id']}")
        except KeyboardInterrupt:
            client.delete(f"/v1/marketplace/connect/{flow['id']}")
            raise click.Abort() from None
    if flow["state"] == "connected":
        echo(_("Connected: account {id}.").format(id=flow["account"]))
        return
    error = flow.get("error") or {}
    code = {"device_denied": EXIT_DENIED, "device_expired": EXIT_EXPIRED}.get(error.get("code"), 1)
    raise UserError(error.get("message") or _("the account was not connected"), code)


def _show_flow(flow: dict) -> None:
    echo(_("Open this link on a phone or computer and approve the register:"))
    echo(f"  {flow['verification_uri_complete']}")
    echo(_("Code to check on that page: {code}").format(code=flow["user_code"]))
    for row in flow.get("qr") or []:
        echo(row)
    minutes = max(1, round(flow["expires_in"] / 60))
    echo(
        _("Waiting for approval (the code is valid for {minutes} min; Ctrl+C to stop)...").format(
            minutes=minutes
        )
    )


def _interval(value: object) -> str:
    if value == "never":
        return _("never")
    return _("every {minutes} min").format(minutes=int(value) // 60)


@marketplace.command("list", help=_("List connected accounts and their state."))
@click.option("--json", "as_json", is_flag=True, help=_("Print JSON."))
def list_(as_json: bool) -> None:
    with daemon(TIMEOUT) as client:
        items = client.get("/v1/marketplace/accounts")["items"]
    if as_json:
        click.echo(json.dumps(items, ensure_ascii=False, indent=2))
        return
    if not items:
        echo(_("No marketplace accounts. Connect one: kassa marketplace add allegro"))
        return
    for item in items:
        state = _("connected") if item["state"] == "connected" else _("re-connect needed")
        flags = [
            _("active") if item["active"] else _("paused"),
            _interval(item["interval"]),
            _("auto-fiscalize") if item["auto_fiscalize"] else _("manual"),
            item["payment_kind"],
        ]
        echo(f"{item['id']:>3}  {item['marketplace']:<8} {item['name']:<20} {state}  ({', '.join(flags)})")
        if item.get("reason"):
            echo("     " + item["reason"])
        if item.get("token_expires_at"):
            echo("     " + _("access token valid until {time}").format(time=item["token_expires_at"]))
        echo("     " + _("orders waiting: {count}").format(count=item["waiting_orders"]))
        if item.get("last_error"):
            echo("     " + _("last import failed: {error}").format(error=item["last_error"]))


def _on_off(value: str | None) -> bool | None:
    return None if value is None else value == "on"


@marketplace.command("set", help=_("Change an account's settings."))
@click.argument("account_id", type=int)
@click.option("--name", default=None, help=_("A new name."))
@click.option(
    "--active", type=click.Choice(["on", "off"]), default=None, help=_("Import and report, or pause.")
)
@click.option("--interval", default=None, metavar="SECONDS|never", help=_("Time between imports."))
@click.option(
    "--auto-fiscalize", type=click.Choice(["on", "off"]), default=None, help=_("Fiscalize paid orders.")
)
@click.option(
    "--pay", type=click.Choice(["card", "cash"]), default=None, help=_("Payment kind for its orders.")
)
def set_(account_id: int, name, active, interval, auto_fiscalize, pay) -> None:
    changes: dict = {}
    if name is not None:
        changes["name"] = name
    if active is not None:
        changes["active"] = _on_off(active)
    if auto_fiscalize is not None:
        changes["auto_fiscalize"] = _on_off(auto_fiscalize)
    if pay is not None:
        changes["payment_kind"] = pay
    if interval is not None:
        if interval != "never" and not is_digits(interval):
            raise UserError(_("--interval: give seconds (60 or more) or never"), 2)
        changes["interval"] = interval if interval == "never" else int(interval)
    if not changes:
        raise UserError(_("nothing to change: give at least one option"), 2)
    with daemon(TIMEOUT) as client:
        client.request("PATCH", f"/v1/marketplace/accounts/{account_id}", json=changes)
    echo(_("Account {id} changed.").format(id=account_id))


@marketplace.command("import", help=_("Import orders now (Обновить сейчас)."))
@click.argument("account_ids", type=int, nargs=-1)
def import_(account_ids: tuple[int, ...]) -> None:
    with daemon(IMPORT_TIMEOUT) as client:
        results = client.post("/v1/marketplace/import", json={"accounts": list(account_ids) or None})[
            "results"
        ]
    failed = False
    for result in results:
        if result["ok"]:
            echo(
                _("account {id}: {count} orders imported").format(
                    id=result.get("account"), count=result.get("moved", 0)
                )
            )
        else:
            failed = True
            echo(
                _("account {id}: {error}").format(id=result.get("account"), error=result.get("error")),
                err=True,
            )
    if failed:
        raise UserError(_("some imports failed"), 1)


@marketplace.command("remove", help=_("Disconnect an account (its orders stay)."))
@click.argument("account_id", type=int)
@click.option("--yes", is_flag=True, help=_("Do not ask."))
def remove(account_id: int, yes: bool) -> None:
    if not yes and not click.confirm(_("Disconnect account {id}?").format(id=account_id), default=False):
        raise click.Abort()
    with daemon(TIMEOUT) as client:
        client.delete(f"/v1/marketplace/accounts/{account_id}")
    echo(_("Account {id} disconnected.").format(id=account_id))
