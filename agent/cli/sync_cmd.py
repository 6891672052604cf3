"""`kassa sync [--stream ...] [--wait]`: "Обновить сейчас", the scheduler's own code path, any stream."""

from __future__ import annotations

import click

from agent.cli import UserError
from agent.client import DaemonClient, DaemonError
from agent.i18n import _

STREAM_NAMES = {
    "receipts": _("receipts"),
    "products": _("products"),
    "employees": _("employees"),
    "orders": _("orders"),
}


@click.command("sync", help=_("Sync now (Обновить сейчас)."))
@click.option(
    "--stream",
    type=click.Choice(["receipts", "products", "employees", "orders", "all"]),
    default="all",
    show_default=True,
    help=_("Which stream to sync."),
)
@click.option("--wait", is_flag=True, help=_("Wait until it is done and print what moved."))
def sync(stream: str, wait: bool) -> None:
    from agent.config import load_settings

    settings = load_settings()
    try:
        with DaemonClient(settings.socket, timeout=3600) as client:
            answer = client.post("/v1/sync", json={"streams": [stream], "wait": wait})
    except DaemonError as exc:
        raise UserError(exc.message, 1) from None
    failed = False
    for result in answer["results"]:
        name = STREAM_NAMES.get(result["stream"], result["stream"])
        if not wait:
            click.echo(_("{stream}: started").format(stream=name))
        elif result["ok"]:
            click.echo(_("{stream}: {count} moved").format(stream=name, count=result["moved"]))
            question = result.get("confirmation")
            if question:
                click.echo(
                    _("{stream}: waiting for a confirmation before deleting products").format(stream=name)
                )
        else:
            failed = True
            click.echo(_("{stream}: failed: {error}").format(stream=name, error=result["error"]), err=True)
    if failed:
        raise click.exceptions.Exit(1)
