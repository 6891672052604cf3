"""`kassa emulate kkt|journal`: run the emulated register and read its FN (faults: sim.control)."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import click

from agent.cli import UserError
from agent.i18n import _
from sim.kkt.marks import GROUPS
from sim.kkt.state import save_state

# tag 1062 bit order: ОСН, УСН доход, УСН доход - расход, ЕНВД, ЕСХН, ПСН
TAX_SYSTEMS = ("osn", "usn_income", "usn_income_expense", "envd", "esn", "patent")


@click.command("kkt", help=_("Run the Shtrih-M fiscal register emulator on a pseudo-terminal."))
@click.option(
    "--link", "link", required=True, type=click.Path(path_type=Path), help=_("Where to symlink the port.")
)
@click.option(
    "--state", "state", type=click.Path(path_type=Path), help=_("State file (FN, shift, open receipt).")
)
@click.option("--baud", type=click.IntRange(min=1), help=_("Throttle the link to this wire speed."))
@click.option("--clock-offset", type=float, default=0.0, help=_("Move the register's clock by HOURS."))
@click.option("--timezone", "timezone", help=_("The register's time zone, e.g. Europe/Moscow."))
@click.option(
    "--tax-systems",
    "tax_systems",
    help=_("Taxation systems the FN is registered for, comma-separated: {names}.").format(
        names=", ".join(TAX_SYSTEMS)
    ),
)
@click.option("--seed", type=int, help=_("Seed of the draw that decides a command cut by a power cycle."))
def kkt(
    link: Path,
    state: Path | None,
    baud: int | None,
    clock_offset: float,
    timezone: str | None,
    tax_systems: str | None,
    seed: int | None,
) -> None:
    from sim.kkt.server import KktServer

    link = link.absolute()
    state = (state or link.with_name(link.name + ".state.json")).absolute()
    if link.exists() and not link.is_symlink():
        raise UserError(_("{path} exists and is not a symlink: choose another --link").format(path=link))
    server = KktServer(link, state, baud=baud, clock_offset_hours=clock_offset, seed=seed)
    _register(server.device, timezone, tax_systems)

    def stop(_signum, _frame) -> None:
        server.stop.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server.serve()
    except OSError as exc:
        raise UserError(_("the emulator cannot start: {error}").format(error=exc)) from None


def _register(device, timezone: str | None, tax_systems: str | None) -> None:
    """Apply --timezone and --tax-systems to the emulated register (kept in its state file)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise UserError(_("unknown time zone {zone}").format(zone=timezone)) from None
        device.state.timezone = timezone
    if tax_systems is not None:
        bits = 0
        for name in filter(None, (part.strip() for part in tax_systems.split(","))):
            if name not in TAX_SYSTEMS:
                raise UserError(
                    _("unknown taxation system {name}; known: {names}").format(
                        name=name, names=", ".join(TAX_SYSTEMS)
                    )
                )
            bits |= 1 << TAX_SYSTEMS.index(name)
        if not bits:
            raise UserError(_("--tax-systems needs at least one system"))
        device.state.tax_systems = bits
    save_state(device.state_path, device.state)


@click.command("journal", help=_("Print the emulator's fiscal documents as a JSON array."))
@click.option("--state", "state", required=True, type=click.Path(path_type=Path), help=_("State file."))
def journal(state: Path) -> None:
    from sim.kkt.device import journal as read_journal

    if not state.exists():
        raise UserError(_("no emulator state at {path}").format(path=state))
    click.echo(json.dumps(read_journal(state), ensure_ascii=False, indent=1))


@click.command(
    "marks",
    help=_(
        "Print marking codes the emulated register takes as genuine for a product's GTIN (14 digits), "
        "one a line, to paste into a sale: without the GS separators, which kassa puts back from the "
        "group's fixed lengths (--raw keeps them); --forged prints codes its FN refuses."
    ),
)
@click.argument("gtin")
@click.option("--count", type=click.IntRange(1, 100), default=3, show_default=True, help=_("How many codes."))
@click.option(
    "--group",
    type=click.Choice(GROUPS),
    default="milk",
    show_default=True,
    help=_("The product group, which decides the code's layout."),
)
@click.option("--forged", is_flag=True, help=_("Spoil the crypto tail: the FN finds the code forged."))
@click.option("--raw", is_flag=True, help=_("Write GS itself (0x1D), as a scanner sends it, for a pipe."))
def marks_command(gtin: str, count: int, group: str, forged: bool, raw: bool) -> None:
    from sim.kkt.marks import gtin_valid, issue

    if not gtin_valid(gtin):
        raise UserError(_("{gtin} is not a GTIN: 14 digits with a valid check digit").format(gtin=gtin), 2)
    for _index in range(count):
        code = issue(gtin, group, forged=forged)
        click.echo(code if raw else code.replace("\x1d", ""))
