"""`kassa sync [--stream ...] [--wait]`: "Обновить сейчас", the scheduler's own code path, any stream.

`kassa sync settings` prints and changes what the TUI's settings dialog does; `kassa sync confirm|keep`
answers a pending deletion question (the technician's answer, from the shell).
"""

from __future__ import annotations

import shutil
import sys
import threading

import click

from agent.cli import UserError, echo
from agent.client import DaemonClient, DaemonError
from agent.i18n import N_, _, ngettext
from agent.terminal_text import printable
from common.digits import is_digits
from common.errors import Message

STREAM_NAMES = {
    "receipts": N_("receipts"),
    "products": N_("products"),
    "employees": N_("employees"),
    "orders": N_("orders"),
}
PULLED = ("products", "employees", "orders")
# what happens to an order with a zero total (a fiscal register prints no such receipt)
ZERO_TOTAL_CHOICES = {
    "settle": N_("settled without a receipt, and the source is told so"),
    "hold": N_("held for the cashier on the Orders screen"),
}
PROGRESS_EVERY = 0.5  # seconds between progress lines while waiting
BAR_WIDTH = 24

# what a technician types -> seconds; the daemon accepts only the vendor's list
INTERVAL_WORDS = {
    "1m": 60,
    "5m": 300,
    "15m": 900,
    "30m": 1800,
    "1h": 3600,
    "60m": 3600,
    "4h": 14400,
    "24h": 86400,
    "1d": 86400,
}


def _client(timeout: float = 30) -> DaemonClient:
    from agent.config import load_settings

    return DaemonClient(load_settings().socket, timeout=timeout)


def _name(stream: str) -> str:
    return _(STREAM_NAMES[stream]) if stream in STREAM_NAMES else stream


@click.group("sync", invoke_without_command=True, help=_("Sync now (Обновить сейчас)."))
@click.option(
    "--stream",
    default="all",
    show_default=True,
    metavar="NAME",
    help=_("Which stream to sync: receipts, products, employees, orders, a marketplace stream, or all."),
)
@click.option("--wait", is_flag=True, help=_("Wait until it is done and print what moved."))
@click.pass_context
def sync(ctx: click.Context, stream: str, wait: bool) -> None:
    if ctx.invoked_subcommand is not None:
        return
    body = {"streams": [stream], "wait": wait}
    try:
        if wait:
            answer = _wait_with_progress(body, show=sys.stderr.isatty())
        else:
            with _client() as client:
                answer = client.post("/v1/sync", json=body)
    except DaemonError as exc:
        raise UserError(exc.message, 1) from None
    failed = []
    for result in answer["results"]:
        name = _name(result["stream"])
        if not wait:
            key = (
                N_("{stream}: joined the run in progress")
                if result.get("joined")
                else N_("{stream}: started")
            )
            echo(_(key).format(stream=name))
        elif result["ok"]:
            echo(_("{stream}: {count} moved").format(stream=name, count=result["moved"]))
            if result.get("joined"):
                echo("  " + _("(a run already in progress was joined; the count is that run's)"))
            _print_skipped(name, result)
            question = result.get("confirmation")
            if question:
                echo(_("{stream}: waiting for a confirmation before deleting products").format(stream=name))
                echo(describe_question(question))
        else:
            failed.append(name)
            echo(_("{stream}: failed: {error}").format(stream=name, error=result["error"]), err=True)
            _print_skipped(name, result)
    if failed:
        raise UserError(_("sync failed: {streams}").format(streams=", ".join(failed)), 1)


def _print_skipped(name: str, result: dict) -> None:
    count = result.get("skipped") or 0
    if not count:
        return
    echo(
        ngettext(
            "{stream}: {n} record refused (not stored):",
            "{stream}: {n} records refused (not stored):",
            count,
        ).format(stream=name, n=count),
        err=True,
    )
    for record in result.get("skipped_records") or []:
        echo(f"  {record['record']}: {describe_refusal(record)}", err=True)


def describe_refusal(record: dict) -> str:
    """Why a record was refused, in the user's language (its reason is a msgid with parameters)."""
    return Message(record.get("reason") or "", record.get("params") or {}).render(_)


def _wait_with_progress(body: dict, *, show: bool) -> dict:
    """POST /v1/sync and wait for it; on a terminal, a progress line from /v1/status meanwhile."""
    outcome: dict = {}

    def post() -> None:
        try:
            with _client(timeout=3600) as client:
                outcome["answer"] = client.post("/v1/sync", json=body)
        except DaemonError as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=post, name="kassa-sync-wait", daemon=True)
    worker.start()
    shown = False
    with _client(timeout=10) as poller:
        while worker.is_alive():
            worker.join(PROGRESS_EVERY)
            if not show or not worker.is_alive():
                continue
            try:
                streams = poller.get("/v1/status").get("streams") or {}
            except DaemonError:
                continue
            line = printable(progress_line(streams), one_line=True)  # names come from outside
            if line:
                # the line is redrawn in place: carriage return, then erase what the last one left
                width = shutil.get_terminal_size().columns - 1
                click.echo("\r" + line[:width] + "\x1b[K", nl=False, err=True)
                shown = True
    if shown:
        click.echo("\r\x1b[K", nl=False, err=True)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["answer"]


def progress_bar(done: int, total: int | None, width: int = BAR_WIDTH) -> str:
    if not total:
        return ""
    filled = min(width, round(width * done / total))
    return "█" * filled + "░" * (width - filled)


def describe_progress(progress: dict) -> str:
    """A bar, done of total, rate and time left (what is known of them)."""
    done, total = progress.get("done") or 0, progress.get("total")
    if total:
        text = f"{progress_bar(done, total)} " + _("{done} of {total}").format(done=done, total=total)
    else:
        text = _("{done} so far").format(done=done)
    if progress.get("rate"):
        text += ", " + _("{rate}/s").format(rate=round(progress["rate"]))
    if progress.get("seconds_left") is not None:
        text += ", " + _("{seconds} s left").format(seconds=progress["seconds_left"])
    return text


def progress_line(streams: dict) -> str:
    """One line for every running stream."""
    return "; ".join(
        f"{_name(name)}: {describe_progress(entry['progress'])}"
        for name, entry in streams.items()
        if (entry or {}).get("progress")
    )


# ---- settings -----------------------------------------------------------------------------------


def parse_interval(value: str) -> int | str:
    """ "never", "15m", "4h" or seconds, as the API takes it; a bad word is a usage error."""
    word = value.strip().lower()
    if word in ("never", "никогда"):
        return "never"
    if word in INTERVAL_WORDS:
        return INTERVAL_WORDS[word]
    if is_digits(word):
        return int(word)
    raise click.BadParameter(
        _("expected never, 1m, 5m, 15m, 30m, 1h, 4h, 24h or seconds; got {value}").format(value=value)
    )


def describe_interval(value: int | str) -> str:
    if value == "never":
        return _("never")
    if not isinstance(value, int):
        return str(value)
    if value % 3600 == 0:
        hours = value // 3600
        return ngettext("every {n} hour", "every {n} hours", hours).format(n=hours)
    minutes = value // 60
    return ngettext("every {n} minute", "every {n} minutes", minutes).format(n=minutes)


def describe_question(question: dict) -> str:
    """The pending deletion question in words, with how to answer it."""
    lines = []
    local = question.get("local_products")
    if local:
        lines.append(
            ngettext(
                "Product sync is on: {n} product added at this register will be deleted, so the list "
                "matches the back office's exactly.",
                "Product sync is on: {n} products added at this register will be deleted, so the list "
                "matches the back office's exactly.",
                local["count"],
            ).format(n=local["count"])
        )
        names = [f"{item['code']} {item['name']}" for item in local.get("sample") or []][:10]
        if names:
            lines.append("  " + "; ".join(names) + ("; …" if local["count"] > len(names) else ""))
    mass = question.get("mass_delete")
    if mass:
        lines.append(
            _("The back office deleted {count} of {total} products.").format(
                count=mass["count"], total=mass["catalog_size"]
            )
        )
    lines.append(_("Delete them: kassa sync confirm; keep them: kassa sync keep"))
    return "\n".join(lines)


def print_settings(settings: dict) -> None:
    echo(_("Receipts: {every}").format(every=_("continuously")))
    for stream in PULLED:
        value = settings.get(stream)
        if value is not None:
            label = _name(stream)
            echo(f"{label[:1].upper()}{label[1:]}: {describe_interval(value)}")
    state = _("on") if settings.get("product_sync") else _("off")
    echo(_("Product sync: {state}").format(state=state))
    zero = settings.get("zero_total_orders")
    if zero in ZERO_TOTAL_CHOICES:
        echo(_("Zero-total orders: {choice}").format(choice=_(ZERO_TOTAL_CHOICES[zero])))
    question = settings.get("confirmation")
    if question:
        echo()
        echo(_("Waiting for a confirmation:"))
        echo(describe_question(question))


@sync.command("settings", help=_("Print the exchange settings, or change them (as the TUI's dialog does)."))
@click.option("--products", metavar="INTERVAL", help=_("how often to pull products: 15m, 1h, ... or never"))
@click.option("--employees", metavar="INTERVAL", help=_("how often to pull employees"))
@click.option("--orders", metavar="INTERVAL", help=_("how often to pull orders"))
@click.option(
    "--product-sync",
    type=click.Choice(["on", "off"]),
    help=_("on: the product list equals the back office's (local products are deleted after a confirmation)"),
)
@click.option(
    "--zero-total-orders",
    "zero_total",
    type=click.Choice(list(ZERO_TOTAL_CHOICES)),
    help=_(
        "orders with a zero total (the register prints no such receipt): settle them without a receipt "
        "and tell the source (settle), or hold them for the cashier (hold)"
    ),
)
@click.option("--json", "as_json", is_flag=True, help=_("Print JSON."))
def settings_command(
    products: str | None,
    employees: str | None,
    orders: str | None,
    product_sync: str | None,
    zero_total: str | None,
    as_json: bool,
) -> None:
    changes: dict = {}
    for stream, value in (("products", products), ("employees", employees), ("orders", orders)):
        if value is not None:
            try:
                changes[stream] = parse_interval(value)
            except click.BadParameter as exc:
                raise UserError(f"--{stream}: {exc.format_message()}", 2) from None
    if product_sync is not None:
        changes["product_sync"] = product_sync == "on"
    if zero_total is not None:
        changes["zero_total_orders"] = zero_total
    try:
        with _client() as client:
            answer = (
                client.put("/v1/sync/settings", json=changes) if changes else client.get("/v1/sync/settings")
            )
    except DaemonError as exc:
        raise UserError(exc.message, 1) from None
    if as_json:
        import json

        click.echo(json.dumps(answer, ensure_ascii=False, indent=2))
        return
    if changes:
        echo(_("Saved."))
    print_settings(answer)


# ---- the deletion question ----------------------------------------------------------------------


def _answer(accept: bool) -> None:
    try:
        with _client(timeout=120) as client:
            outcome = client.post("/v1/sync/confirm", json={"accept": accept})
    except DaemonError as exc:
        raise UserError(exc.message, 1) from None
    deleted = outcome.get("deleted") or {}
    if accept:
        echo(
            _("Deleted: {products} removed by the back office, {local} added at this register.").format(
                products=deleted.get("products", 0), local=deleted.get("local_products", 0)
            )
        )
    else:
        echo(_("Nothing deleted."))
    settings = outcome.get("settings") or {}
    if not accept and settings and not settings.get("product_sync"):
        echo(_("Product sync is off again: the products added at this register stay."))


@sync.command("confirm", help=_("Answer a pending deletion question: delete the products."))
def confirm() -> None:
    _answer(True)


@sync.command("keep", help=_("Answer a pending deletion question: keep the products."))
def keep() -> None:
    _answer(False)
