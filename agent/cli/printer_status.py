"""`kassa printer status|test [--port PORT] [--profile NAME]`: a technician's check of a printer.

With no --port the port comes from the config: [receipt_printer], or [printer] when the profile
is a fiscal register's (protocol shtrih; port "auto" is searched for). Profiles come from the
configured profile directory. The paper speaks Russian whatever the technician's
locale: it is a Russian register's receipt; the terminal output follows the locale.
"""

from __future__ import annotations

import sys

import click

from agent.cli import EXIT_CONFIG, UserError, echo
from agent.config import Settings, load_settings
from agent.fiscal_register import AUTO, open_configured
from agent.i18n import _
from agent.printing import paper
from agent.printing.test_page import sample_receipt
from drivers.device_status import headline, messages
from drivers.errors import DriverError
from drivers.profile import Profile, ProfileError, load_profile

EXIT_NOT_READY = 1


def _profile(settings: Settings, name: str) -> Profile:
    try:
        return load_profile(settings.profile_dir / f"{name}.toml")
    except ProfileError as error:
        raise UserError.of(error) from None


def resolve(settings: Settings, port: str | None, profile_name: str | None) -> tuple[str, Profile]:
    """The port and profile from the options, completed from the config."""
    config = settings.config
    receipt = config.receipt_printer
    if profile_name is None:
        if receipt is None and port is None:
            raise UserError(
                _(
                    "no receipt printer configured: pass --port and --profile, "
                    "or set [receipt_printer] in the config"
                ),
                EXIT_CONFIG,
            )
        profile_name = receipt.profile if receipt else "generic-80mm"
    profile = _profile(settings, profile_name)
    if port is None:
        section = config.printer if profile.protocol == "shtrih" else receipt
        port = section.port if section else None
        if not port or (port == AUTO and profile.protocol != "shtrih"):
            raise UserError(
                _("no port for profile {profile}: pass --port").format(profile=profile.name), EXIT_CONFIG
            )
    return port, profile


def _open_printer(port: str, profile: Profile):
    from drivers.escpos import open_printer

    try:
        return open_printer(port, profile, translate=paper)
    except DriverError as error:
        raise UserError.of(error) from None


def _register_status(settings: Settings, port: str, profile: Profile) -> bool:
    """The fiscal register's state through its driver; True when it can print."""
    try:
        fiscal_register, port = open_configured(settings, port=port, profile=profile)
        try:
            state = fiscal_register.status()
        finally:
            fiscal_register.close()
    except DriverError as error:
        raise UserError.of(error) from None
    echo(_("Fiscal register {model} at {port}").format(model=profile.model, port=port))
    if state.shift_open:
        echo(_("Shift {number} is open").format(number=state.shift_number))
    else:
        echo(_("Shift closed (last: {number})").format(number=state.shift_number))
    for message in messages(state):
        echo(_(message))
    return not state.problems()


@click.command(
    "status", help=_("Show the decoded status of the receipt printer (or of the fiscal register).")
)
@click.option("--port", help=_("Device path, pyserial URL, usb:VID:PID or tcp://host:port."))
@click.option("--profile", "profile_name", help=_("Firmware profile name, e.g. epson-tm-t20ii."))
def status(port: str | None, profile_name: str | None) -> None:
    settings = load_settings()
    port, profile = resolve(settings, port, profile_name)
    if profile.protocol == "shtrih":
        if not _register_status(settings, port, profile):
            sys.exit(EXIT_NOT_READY)
        return
    printer = _open_printer(port, profile)
    try:
        state = printer.status()
    finally:
        printer.close()
    echo(_("Receipt printer {model} at {port}").format(model=profile.model, port=port))
    for message in messages(state):
        echo(_(message))
    if not state.ready:
        sys.exit(EXIT_NOT_READY)


@click.command("test", help=_("Print a test receipt: Cyrillic, the ruble sign, quotes and a QR code."))
@click.option("--port", help=_("Device path, pyserial URL, usb:VID:PID or tcp://host:port."))
@click.option("--profile", "profile_name", help=_("Firmware profile name, e.g. epson-tm-t20ii."))
def test(port: str | None, profile_name: str | None) -> None:
    port, profile = resolve(load_settings(), port, profile_name)
    if profile.protocol != "escpos":
        raise UserError(
            _(
                "profile {profile} is a fiscal register; 'kassa printer test' prints on ESC/POS printers"
            ).format(profile=profile.name)
        )
    printer = _open_printer(port, profile)
    try:
        state = printer.status()
        if not state.unknown and not state.ready:
            raise UserError("; ".join(_(message) for message in state.problems()))
        printer.print_receipt(sample_receipt(profile))
    except DriverError as error:
        raise UserError.of(error) from None
    finally:
        printer.close()
    echo(
        _("Test receipt sent to {port} ({profile}, {columns} columns)").format(
            port=port, profile=profile.name, columns=profile.media.columns["a"]
        )
    )
    if state.unknown:
        echo(_(headline(state)))
    if printer.substituted:
        echo(
            _("Characters the printer cannot print were replaced by {substitute}: {characters}").format(
                substitute=profile.encoding.substitute, characters=" ".join(sorted(printer.substituted))
            )
        )


__all__ = ["resolve", "status", "test"]
