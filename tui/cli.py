"""`kassa tui`: the cashier's screen, a client of the running daemon."""

from __future__ import annotations

import asyncio
import os

import click

from agent.client import DaemonError
from agent.i18n import _, set_language


@click.command("tui", help=_("Open the cashier's terminal UI."))
@click.option(
    "--lang", type=click.Choice(["ru", "en"]), default=None, help=_("Language (default: the locale's).")
)
def tui(lang: str | None) -> None:
    """Needs a running daemon; says so in one line when there is none."""
    build_app(lang).run()


def build_app(lang: str | None, pin: str | None = None, env=None):
    """The app, once the daemon answers (logged in at once when a PIN is given).

    Refuses with one clear line when the daemon is not running or the config is broken.
    """
    from agent.cli import UserError
    from agent.config import ConfigError, load_settings
    from tui.api import KassaApi
    from tui.app import KassaApp

    language = set_language(lang)
    try:
        settings = load_settings(env=env if env is not None else os.environ)
    except ConfigError as error:
        raise UserError(str(error)) from None

    async def check() -> dict | None:
        probe = KassaApi(settings.socket, language=language, timeout=10)
        try:
            await probe.status()
            if not pin:
                return None
            await probe.login(pin)
            return {"token": probe.token, "employee": probe.employee, "allowed": sorted(probe.allowed)}
        finally:
            await probe.close()

    try:
        session = asyncio.run(check())
    except DaemonError as error:
        if pin and error.code != "daemon_not_running":
            message = _("the demo cashier could not log in: {message}").format(message=error.message)
            raise UserError(message) from None
        raise UserError(error.message) from None
    api = KassaApi(settings.socket, language=language)
    if settings.config.marking.gs_substitute:
        api.mark_substitutes = (settings.config.marking.gs_substitute,)
    if session:
        api.adopt(session)
    return KassaApp(api, employee=api.employee)
