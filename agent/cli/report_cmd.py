"""`kassa printer x-report|z-report`: shift reports through the running daemon.

The daemon owns the register's port, so the reports go through its API (``POST /v1/reports/x``,
``POST /v1/shift/close``); the Z report is journaled like any fiscal document. ``--port`` and
``--profile`` are accepted for the printer group's common shape; the daemon uses its configured
register.
"""

from __future__ import annotations

import click

from agent.cli import UserError, echo
from agent.client import DaemonClient, DaemonError, DaemonNotRunning
from agent.i18n import _

REPORT_TIMEOUT = 180.0  # seconds: a Z report may take the register more than a minute


def _post(path: str) -> dict:
    from agent.config import load_settings

    settings = load_settings()
    try:
        with DaemonClient(settings.socket, timeout=REPORT_TIMEOUT) as client:
            return client.post(path, json=None if path.endswith("/x") else {})
    except DaemonNotRunning as exc:
        raise UserError(exc.message, 3) from None
    except DaemonError as exc:
        raise UserError(exc.message, 1) from None


_common = [
    click.option("--port", help=_("Ignored: the daemon uses its configured register.")),
    click.option("--profile", help=_("Ignored: the daemon uses its configured register.")),
]


def _with_common(command):
    for option in reversed(_common):
        command = option(command)
    return command


@click.command("x-report", help=_("Print an X report (the shift so far) on the fiscal register."))
@_with_common
def x_report(port: str | None, profile: str | None) -> None:
    shift = _post("/v1/reports/x")["shift"]
    echo(_("X report printed for shift {number}").format(number=shift["number"]))


@click.command("z-report", help=_("Close the shift with a Z report on the fiscal register."))
@_with_common
def z_report(port: str | None, profile: str | None) -> None:
    answer = _post("/v1/shift/close")
    document = answer["document"]
    echo(_("Shift {number} closed: Z report FD {fd}").format(number=document["shift"], fd=document["fd"]))
