"""`kassa emulate kkt|journal`: run the emulated register and read its FN (faults: sim.control)."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import click

from agent.cli import UserError
from agent.i18n import _


@click.command("kkt", help=_("Run the Shtrih-M fiscal register emulator on a pseudo-terminal."))
@click.option(
    "--link", "link", required=True, type=click.Path(path_type=Path), help=_("Where to symlink the port.")
)
@click.option(
    "--state", "state", type=click.Path(path_type=Path), help=_("State file (FN, shift, open receipt).")
)
@click.option("--baud", type=click.IntRange(min=1), help=_("Throttle the link to this wire speed."))
@click.option("--clock-offset", type=float, default=0.0, help=_("Move the register's clock by HOURS."))
def kkt(link: Path, state: Path | None, baud: int | None, clock_offset: float) -> None:
    from sim.kkt.server import KktServer

    link = link.absolute()
    state = (state or link.with_name(link.name + ".state.json")).absolute()
    if link.exists() and not link.is_symlink():
        raise UserError(_("{path} exists and is not a symlink: choose another --link").format(path=link))
    server = KktServer(link, state, baud=baud, clock_offset_hours=clock_offset)

    def stop(_signum, _frame) -> None:
        server.stop.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server.serve()
    except OSError as exc:
        raise UserError(_("the emulator cannot start: {error}").format(error=exc)) from None


@click.command("journal", help=_("Print the emulator's fiscal documents as a JSON array."))
@click.option("--state", "state", required=True, type=click.Path(path_type=Path), help=_("State file."))
def journal(state: Path) -> None:
    from sim.kkt.device import journal as read_journal

    if not state.exists():
        raise UserError(_("no emulator state at {path}").format(path=state))
    click.echo(json.dumps(read_journal(state), ensure_ascii=False, indent=1))
