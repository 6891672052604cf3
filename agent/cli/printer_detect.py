"""`kassa printer detect`: find the fiscal register on the serial ports, say which profile fits."""

from __future__ import annotations

import json

import click

from agent.cli import UserError, echo
from agent.i18n import _


def _speeds(_ctx: click.Context, _param: click.Parameter, bauds: tuple[int, ...]) -> tuple[int, ...]:
    from common.line_speed import SPEEDS, is_speed

    for baud in bauds:
        if not is_speed(baud):
            raise click.BadParameter(
                _("{baud} is not a serial line speed: one of {speeds}").format(
                    baud=baud, speeds=", ".join(map(str, SPEEDS))
                )
            )
    return bauds


@click.command("detect", help=_("Find Shtrih-M fiscal registers on serial ports and name their profile."))
@click.option(
    "--port", "ports", multiple=True, help=_("Port to probe (repeatable); default: the usual serial ports.")
)
@click.option(
    "--baud",
    "bauds",
    multiple=True,
    type=click.IntRange(min=1),
    callback=_speeds,
    help=_("Speed to try (repeatable)."),
)
@click.option("--json", "as_json", is_flag=True, help=_("Print JSON."))
def detect(ports: tuple[str, ...], bauds: tuple[int, ...], as_json: bool) -> None:
    from agent.config import load_settings
    from agent.fiscal_register import candidate_ports
    from drivers.shtrih.detect import detect as find_registers

    candidates = list(ports) or candidate_ports()
    found = find_registers(candidates, list(bauds) or None, load_settings().profile_dir)
    if as_json:
        click.echo(json.dumps([register.as_dict() for register in found], ensure_ascii=False, indent=1))
    else:
        for register in found:
            echo(
                _("{port} @ {baud}: {model}, serial {serial}, FN {fn}, profile {profile}").format(
                    port=register.port,
                    baud=register.baud,
                    model=register.model,
                    serial=register.serial,
                    fn=register.fn_serial,
                    profile=register.profile or _("(no matching profile)"),
                )
            )
    if not found:
        raise UserError(
            _("no fiscal register found on: {ports}").format(
                ports=", ".join(candidates) or _("(no serial ports)")
            )
        )
