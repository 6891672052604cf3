"""`kassa emulate allegro --port P`: serve the fake Allegro on loopback."""

from __future__ import annotations

import socket

import click

from agent.cli import UserError
from agent.i18n import _


@click.command(help=_("A fake Allegro (device flow, rotating tokens, order events, checkout forms)."))
@click.option("--host", default="127.0.0.1", show_default=True, help=_("Address to listen on."))
@click.option("--port", default=0, type=click.IntRange(0, 65535), help=_("Port (0: any free port)."))
@click.option(
    "--interval",
    default=5.0,
    show_default=True,
    type=click.FloatRange(0.05),
    help=_("Device-flow poll interval, seconds."),
)
@click.option(
    "--auto-approve",
    metavar="LOGIN",
    default=None,
    help=_("Approve every device code at once as this seller (demo)."),
)
@click.option(
    "--orders", default=0, type=click.IntRange(0, 1000), help=_("Demo orders for the auto-approved seller.")
)
@click.option("--sku", "skus", multiple=True, help=_("Product codes the demo orders use (repeat)."))
def allegro(
    host: str, port: int, interval: float, auto_approve: str | None, orders: int, skus: tuple
) -> None:
    import uvicorn

    from sim.allegro.app import create_app
    from sim.allegro.state import FakeAllegro

    fake = FakeAllegro(interval=interval, auto_approve=auto_approve)
    for number in range(orders):
        code = skus[number % len(skus)] if skus else f"SKU-{number + 1}"
        fake.add_order(auto_approve or "demo-seller", lines=[(code, f"Oferta {number + 1}", 1, "19.99")])
    try:
        sock = socket.create_server((host, port))
    except OSError as exc:
        message = _("cannot listen on {host}:{port}").format(host=host, port=port)
        raise UserError(f"{message}: {exc.strerror or exc}") from exc
    port = sock.getsockname()[1]
    click.echo(_("fake Allegro listening on http://{host}:{port}").format(host=host, port=port), err=True)
    server = uvicorn.Server(uvicorn.Config(create_app(fake), log_level="warning", access_log=False))
    server.run(sockets=[sock])
