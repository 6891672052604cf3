"""`kassa config check|example`: validate agent.toml after an edit, before the daemon sees it."""

from __future__ import annotations

import click

from agent.i18n import _


@click.group("config", help=_("Check the configuration file, or print a commented example."))
def config() -> None:
    pass


@config.command("check", help=_("Validate the config and show the paths it resolves to."))
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help=_("config file to check"))
def check(config_path: str | None) -> None:
    from agent.config import load_settings, secrets_path

    settings = load_settings(config_path)
    source = settings.config_path or _("(none: built-in defaults)")
    click.echo(_("config:    {path}").format(path=source))
    if settings.secrets_path:
        click.echo(_("secrets:   {path}").format(path=settings.secrets_path))
    else:
        expected = secrets_path(settings.config_path)
        if expected.exists():
            shown = _("{path} (not readable by this user; the service reads it)").format(path=expected)
        else:
            shown = _("none ({path} not found)").format(path=expected)
        click.echo(_("secrets:   {path}").format(path=shown))
    click.echo(_("state dir: {path}").format(path=settings.state_dir))
    click.echo(_("socket:    {path}").format(path=settings.socket))
    for warning in settings.warnings:
        click.echo(_("warning: {problem}").format(problem=warning), err=True)
    click.echo(_("config is valid"))


@config.command("example", help=_("Print the commented example config (a start for /etc/kassa/agent.toml)."))
@click.option("--secrets", is_flag=True, help=_("the example of secrets.toml (mode 0600) instead"))
def example(secrets: bool) -> None:
    from agent.config import EXAMPLE_CONFIG, EXAMPLE_SECRETS

    click.echo((EXAMPLE_SECRETS if secrets else EXAMPLE_CONFIG).read_text(encoding="utf-8"), nl=False)
