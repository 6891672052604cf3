"""`kassa emulate marking-api --port P`: serve the fake national marking system on loopback."""

from __future__ import annotations

import socket

import click

from agent.cli import UserError
from agent.i18n import _


@click.command(help=_("A fake of the national marking system's online check (the permissive mode)."))
@click.option("--host", default="127.0.0.1", show_default=True, help=_("Address to listen on."))
@click.option("--port", default=0, type=click.IntRange(0, 65535), help=_("Port (0: any free port)."))
@click.option("--slow", default=0.0, type=click.FloatRange(0, 600), help=_("Seconds before each answer."))
@click.option("--down", is_flag=True, help=_("Answer every check with 503, as when the system is down."))
def marking_api(host: str, port: int, slow: float, down: bool) -> None:
    import uvicorn

    from sim.marking_api.app import CHECK_PATH, FakeMarkingSystem, create_app

    fake = FakeMarkingSystem(delay=slow, down=down)
    try:
        sock = socket.create_server((host, port))
    except OSError as exc:
        message = _("cannot listen on {host}:{port}").format(host=host, port=port)
        raise UserError(f"{message}: {exc.strerror or exc}") from exc
    port = sock.getsockname()[1]
    url = f"http://{host}:{port}{CHECK_PATH}"
    click.echo(
        _('fake marking system listening: set [marking] permissive_url = "{url}"').format(url=url), err=True
    )
    server = uvicorn.Server(uvicorn.Config(create_app(fake), log_level="warning", access_log=False))
    server.run(sockets=[sock])
