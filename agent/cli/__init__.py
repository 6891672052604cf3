"""The `kassa` command line. Command and option names are a contract: other tools call them.

Commands load lazily so `kassa status` does not pay for FastAPI or Textual. Commands that
live outside the agent (emulators, reference back office, TUI, demo) are found through the
``kassa.commands`` entry points, so the agent never imports ``sim`` or ``tui``.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
from collections.abc import Iterator
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

import click

from agent import __version__
from agent.cli.output import echo
from agent.i18n import N_, _
from common.errors import KassaError

if TYPE_CHECKING:
    from agent.client import DaemonClient

# name -> "module:attribute" of the agent's own commands
COMMANDS: dict[str, str] = {
    "config": "agent.cli.config_cmd:config",
    "run": "agent.cli.run_cmd:run",
    "status": "agent.cli.status_cmd:status",
    "pair": "agent.cli.pairing_cmd:pair",
    "unpair": "agent.cli.pairing_cmd:unpair",
    "sync": "agent.cli.sync_cmd:sync",
    "sale": "agent.cli.sale_cmd:sale",
    "correction": "agent.cli.correction_cmd:correction",
    "printer": "agent.cli.printer_cmd:printer",
    "orders": "agent.cli.orders_cmd:orders",
    "products": "agent.cli.products_cmd:products",
    "documents": "agent.cli.documents_cmd:documents",
    "marketplace": "agent.cli.marketplace_cmd:marketplace",
}

# One-line help of every contract command, shown while its module is not part of this
# version yet (the command then says so and exits 2).
NOT_YET: dict[str, str] = {
    "run": N_("Run the daemon (systemd service)."),
    "tui": N_("Open the cashier's terminal UI."),
    "demo": N_("Run everything on emulated hardware and open the TUI."),
    "pair": N_("Pair this register with the back office using a sync code."),
    "unpair": N_("Forget the back-office credentials (unsent documents are kept)."),
    "products": N_("Products: search, and add one while product sync is off."),
    "documents": N_("Documents and their state on the back office."),
    "sync": N_("Sync now (Обновить сейчас)."),
    "status": N_("Show the register's state."),
    "sale": N_("Make a sale from the shell."),
    "printer": N_("Fiscal register and printer tools: detect, status, test, reports."),
    "emulate": N_("Emulated devices: KKT, ESC/POS printer, faults."),
    "marketplace": N_("Connect and list marketplace accounts."),
    "orders": N_("Marketplace orders: list and fiscalize."),
    "backoffice": N_("The reference back office: serve, codes, demo data."),
}

EXIT_USAGE = 2
EXIT_CONFIG = 78  # sysexits EX_CONFIG; the systemd unit does not restart on it


class UserError(click.ClickException):
    """An error for a person: printed as one line, no traceback."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code

    @classmethod
    def of(cls, error: KassaError) -> UserError:
        """A kassa error in the CLI's language, exiting with the error's own exit code."""
        return cls(error.render(_), error.exit_code)

    def show(self, file=None) -> None:
        echo(f"kassa: {self.format_message()}", err=True)


@contextlib.contextmanager
def daemon(timeout: float) -> Iterator[DaemonClient]:
    """The running daemon's local API (the socket of agent.toml); whatever it refuses ends the
    command with its message, exit 1."""
    from agent.client import DaemonClient, DaemonError
    from agent.config import load_settings

    try:
        with DaemonClient(load_settings().socket, timeout=timeout) as client:
            yield client
    except DaemonError as exc:
        raise UserError(exc.message, 1) from None


def _plugins() -> dict[str, object]:
    return {ep.name: ep for ep in entry_points(group="kassa.commands")}


def _not_yet(name: str, help_text: str) -> click.Command:
    @click.command(
        name,
        help=(_(help_text) + " " if help_text else "") + _("(not available yet)"),
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []},
    )
    def command() -> None:
        raise UserError(
            _("'kassa {name}' is not available yet in this version").format(name=name), EXIT_USAGE
        )

    return command


def load_command(target: str) -> click.Command | None:
    """Import "module:attribute"; None when that module is not part of this version."""
    module, attribute = target.split(":")
    try:
        return getattr(importlib.import_module(module), attribute)
    except ModuleNotFoundError as exc:
        if exc.name and (module == exc.name or module.startswith(exc.name + ".")):
            return None
        raise


class LazyGroup(click.Group):
    """A command group whose subcommands are imported only when used."""

    def __init__(self, name: str, commands: dict[str, str], **kwargs):
        super().__init__(name, **kwargs)
        self.lazy = commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self.lazy)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.lazy:
            return None
        return load_command(self.lazy[name]) or _not_yet(f"{self.name} {name}", "")


class KassaGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(NOT_YET) | set(_plugins()))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = None
        if name in COMMANDS:
            command = load_command(COMMANDS[name])
        elif name in _plugins():
            command = load_command(_plugins()[name].value)
        if command is None and name in NOT_YET:
            command = _not_yet(name, NOT_YET[name])
        return command


@click.group(
    cls=KassaGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    help=_("kassa: the cash-register agent (fiscal register, printers, back-office sync, cashier UI)."),
)
@click.version_option(__version__, "-V", "--version", prog_name="kassa", message="%(prog)s %(version)s")
def cli() -> None:
    pass


# Modules that kassa's libraries import although no kassa command runs them: httpx's
# command-line client (it loads rich and pygments: 3 MiB at rest in the daemon, a sixth of a
# command's start) and pydantic's v1 package, which FastAPI imports only to ask whether a model
# is a v1 one (kassa has none: 1 MiB). Both libraries import them inside ``except ImportError``
# and carry on without them.
NEVER_IMPORTED = ("httpx._main", "pydantic.v1")


def skip_unused_imports() -> None:
    """A None in sys.modules makes ``import`` of that name raise ImportError in this process."""
    for name in NEVER_IMPORTED:
        if name not in sys.modules:
            sys.modules[name] = None


def main() -> None:
    skip_unused_imports()
    from agent.config import ConfigError

    try:
        # without standalone mode click returns the code of ctx.exit(n) instead of raising it
        code = cli.main(prog_name="kassa", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo(_("kassa: aborted"), err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except ConfigError as exc:
        echo(f"kassa: {exc}", err=True)
        sys.exit(EXIT_CONFIG)
    sys.exit(code if isinstance(code, int) else 0)
