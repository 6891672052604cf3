"""The emulators' control socket, and `kassa emulate fault`, which speaks to either emulator.

Each emulator listens on a unix socket next to its link (``PATH.ctl``, or under /tmp when that
path is too long for a unix socket). A request is one line, the fault's name; the answer is one
line, ``ok`` or ``error ...``. The emulator at the link decides which faults it knows.
"""

from __future__ import annotations

import hashlib
import socket
from pathlib import Path

import click

from agent.cli import UserError
from agent.i18n import _


def control_path(link: Path | str) -> Path:
    candidate = Path(f"{link}.ctl")
    if len(str(candidate)) < 100:
        return candidate
    digest = hashlib.sha1(str(Path(link).absolute()).encode()).hexdigest()[:16]
    return Path("/tmp") / f"kassa-emulator-{digest}.ctl"


def send_fault(link: Path | str, kind: str, timeout: float = 10.0) -> str:
    """Deliver one fault to the emulator serving ``link``; returns its one-line answer."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(timeout)
        conn.connect(str(control_path(Path(link).absolute())))
        conn.sendall(kind.strip().encode() + b"\n")
        answer = b""
        while not answer.endswith(b"\n"):
            chunk = conn.recv(256)
            if not chunk:
                break
            answer += chunk
    return answer.decode("utf-8", "replace").strip()


@click.command(
    "fault",
    help=_(
        "Inject a fault into a running emulator. Fiscal register: paper-out, cover-open, power-cycle, "
        "slow=SECONDS, mark-offline, mark-slow=SECONDS, mark-online, clear. Receipt printer: paper-end, "
        "paper-near-end, cover-open, cutter-error, offline, xoff, clear."
    ),
)
@click.option(
    "--link", "link", required=True, type=click.Path(path_type=Path), help=_("The emulator's link.")
)
@click.argument("kind")
def fault(link: Path, kind: str) -> None:
    from sim.escpos.faults import KINDS as PRINTER_KINDS
    from sim.kkt.faults import KINDS as KKT_KINDS
    from sim.kkt.faults import parse_fault

    kinds = {"kkt": ", ".join(KKT_KINDS), "printer": ", ".join(PRINTER_KINDS)}
    if kind not in PRINTER_KINDS:
        try:
            parse_fault(kind)
        except ValueError:
            message = _(
                "unknown fault {kind}: a fiscal register takes {kkt}, a receipt printer takes {printer}"
            )
            raise UserError(message.format(kind=kind, **kinds), 2) from None
    try:
        answer = send_fault(link, kind)
    except OSError:
        raise UserError(_("no emulator is running at {path}").format(path=link)) from None
    if answer != "ok":
        message = _(
            "the emulator at {path} does not take the fault {kind}; a fiscal register takes {kkt}, "
            "a receipt printer takes {printer}"
        )
        raise UserError(message.format(path=link, kind=kind, **kinds), 2)
    click.echo(answer)
