"""`kassa pair CODE [--backoffice URL]` and `kassa unpair`.

Both go through the running daemon (POST/DELETE /v1/pairing). When no daemon runs, they do the
same work here, on the state dir (taking its lock) and the configured fiscal register: the one
implementation is ``agent.pairing.service.PairingService``.

Exit codes of `kassa pair` (one line on stderr for each failure):
  0  connected ("Соединение установлено")
  3  mistyped code (its check symbol does not match; nothing was sent)
  4  unknown or already used code
  5  expired code
  6  the register's INN is not the organization's
  7  back office unreachable
  8  TLS failure (certificate not trusted / not valid)
  9  rate limited (too many attempts)
  10 no or insecure back-office address (plain http only for loopback)
  11 the fiscal register cannot be read (needed for its serial numbers and INN)
  12 the back office refused the register's credentials (sync commands; pair again)
  13 not paired (sync commands)
  1  anything else (the message says what)
"""

from __future__ import annotations

import click

from agent.backoffice.errors import BackofficeError
from agent.cli import UserError, echo
from agent.client import DaemonClient, DaemonError, DaemonNotRunning
from agent.i18n import _, ngettext


def _print_paired(pairing: dict) -> None:
    echo(_("Connection established"))
    echo(
        _("Organization: {name} (INN {inn})").format(
            name=pairing["organization"], inn=pairing["organization_inn"]
        )
    )
    store = pairing["store"] + (f", {pairing['store_address']}" if pairing.get("store_address") else "")
    echo(_("Store: {store}").format(store=store))
    echo(_("Back office: {url}").format(url=pairing["backoffice_url"]))


@click.command("pair", help=_("Pair this register with the back office using a sync code."))
@click.argument("code")
@click.option(
    "--backoffice", "url", metavar="URL", help=_("The back office's address (default: configured).")
)
def pair(code: str, url: str | None) -> None:
    from agent.config import load_settings

    settings = load_settings()
    body = {"code": code, "backoffice_url": url}
    try:
        with DaemonClient(settings.socket, timeout=120) as client:
            answer = client.post("/v1/pairing", json=body)
    except DaemonNotRunning:
        answer = {"pairing": _pair_here(settings, code, url)}
    except DaemonError as exc:
        raise UserError(exc.message, exc.exit_code) from None
    _print_paired(answer["pairing"])
    _print_exchange(settings)


def _print_exchange(settings) -> None:
    """The exchange settings now in force, as `kassa sync settings` prints them."""
    from agent.cli.sync_cmd import print_settings

    try:
        with DaemonClient(settings.socket, timeout=10) as client:
            exchange = client.get("/v1/sync/settings")
    except DaemonError:
        return  # paired without a daemon: it applies the settings when it starts
    click.echo()
    click.echo(_("Exchange settings (change them: kassa sync settings):"))
    print_settings(exchange)


def _pair_here(settings, code: str, url: str | None) -> dict:
    """No daemon: pair from this process, holding the state dir's lock like the daemon would."""
    from agent.backoffice.codes import normalize_code
    from agent.pairing.local import local_pairing
    from agent.state_lock import StateDirLocked

    try:
        normalize_code(code)
        with local_pairing(settings) as (service, identity):
            service.resolve_url(url)
            return service.pair(code, identity(), url).as_dict()
    except BackofficeError as exc:
        raise UserError.of(exc) from None
    except StateDirLocked as exc:
        raise UserError(str(exc), 1) from None


def _unpair_question(settings) -> str:
    """What unpairing forgets and keeps, asked before doing it."""
    try:
        with DaemonClient(settings.socket, timeout=10) as client:
            status = client.get("/v1/status")
    except DaemonError:
        return _("Unpair this register from the back office?")
    pairing = status.get("pairing") or {}
    depth = (status.get("queue") or {}).get("depth") or 0
    question = _("Unpair this register from {organization} ({url})?").format(
        organization=pairing.get("organization") or "?", url=pairing.get("backoffice_url") or "?"
    )
    if depth:
        question += " " + ngettext(
            "{n} unsent document is kept and goes out after pairing again.",
            "{n} unsent documents are kept and go out after pairing again.",
            depth,
        ).format(n=depth)
    return question


@click.command("unpair", help=_("Forget the back-office credentials (unsent documents are kept)."))
@click.option("--yes", "-y", is_flag=True, help=_("do not ask for confirmation (for scripts)"))
def unpair(yes: bool) -> None:
    from agent.config import load_settings

    settings = load_settings()
    if not yes:
        try:
            agreed = click.confirm(_unpair_question(settings), default=False)
        except click.Abort:
            agreed = False
        if not agreed:
            raise UserError(_("not unpaired (to unpair without a question: kassa unpair --yes)"), 1)
    try:
        with DaemonClient(settings.socket) as client:
            was_paired = client.delete("/v1/pairing")["was_paired"]
    except DaemonNotRunning:
        from agent.pairing.local import local_pairing
        from agent.state_lock import StateDirLocked

        try:
            with local_pairing(settings) as (service, _identity):
                was_paired = service.unpair()
        except StateDirLocked as exc:
            raise UserError(str(exc), 1) from None
    except DaemonError as exc:
        raise UserError(exc.message, 1) from None
    if was_paired:
        echo(_("Unpaired: the back-office credentials are forgotten; unsent documents are kept."))
        echo(_("To pair again: kassa pair CODE (the back office's address is kept)"))
    else:
        echo(_("This register was not paired."))
