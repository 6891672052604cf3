"""`kassa run`: the daemon, normally started by systemd (kassa.service)."""

from __future__ import annotations

import logging
import os
import sys

import click

from agent.i18n import _


@click.command("run", help=_("Run the daemon (systemd service)."))
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help=_("config file (default: $KASSA_CONFIG or /etc/kassa/agent.toml)"),
)
def run(config_path: str | None) -> None:
    _few_malloc_arenas()
    from agent.cli import UserError
    from agent.daemon.runner import DaemonStartError, run_daemon

    try:
        code = run_daemon(config_path)
    except DaemonStartError as exc:
        raise UserError(str(exc), exc.exit_code) from None
    # Everything is closed, committed and released by now. Skipping the interpreter's
    # teardown of FastAPI, SQLAlchemy and the drivers saves a second or more on a slow
    # register, which systemd counts against TimeoutStopSec and a restart waits for.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


M_ARENA_MAX = -8  # mallopt(3)


def _few_malloc_arenas(count: int = 2) -> None:
    """glibc gives each thread that allocates an arena of its own (up to 8 per core) and keeps what
    they freed: the API's worker threads, the sync and the devices would hold megabytes at rest.
    Two arenas serve a daemon whose threads mostly wait (measured: 3 to 6 MiB less RSS at rest)."""
    import contextlib
    import ctypes
    import ctypes.util

    with contextlib.suppress(OSError, AttributeError):  # not glibc: its own allocator decides
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt(M_ARENA_MAX, count)
