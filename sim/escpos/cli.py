"""`kassa emulate escpos --link PATH [--out DIR]`: the virtual receipt printer."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import click

from agent.cli import UserError
from agent.i18n import _


@click.command(
    "escpos",
    help=_("Run a virtual ESC/POS receipt printer on a pty; decoded receipts are written as text files."),
)
@click.option(
    "--link", required=True, type=click.Path(path_type=Path), help=_("Symlink to create for the pty.")
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help=_("Directory for the decoded receipts (default: LINK.receipts)."),
)
def escpos(link: Path, out: Path | None) -> None:
    from sim.escpos.printer import VirtualPrinter

    if link.exists() and not link.is_symlink():
        raise UserError(_("{path} exists and is not a symlink; choose another --link").format(path=link))
    try:
        printer = VirtualPrinter(link, out or Path(f"{link}.receipts"))
    except OSError as exc:
        raise UserError(
            _("cannot start the virtual printer: {reason}").format(reason=exc.strerror or exc)
        ) from None

    def stop(_signum, _frame) -> None:
        printer.running = False

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    click.echo(f"ready {link}")
    sys.stdout.flush()
    try:
        printer.serve()
    finally:
        printer.close()
