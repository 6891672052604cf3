"""What the CLI prints: names and messages from the back office, marketplaces, the register and
the daemon are shown without escape sequences or control characters (a product name must not
retitle or clear the technician's terminal). JSON output is left to json.dumps, which escapes them."""

from __future__ import annotations

from typing import Any

import click

from agent.terminal_text import printable


def echo(message: Any = "", **kwargs: Any) -> None:
    """click.echo of ``message`` made printable (line breaks kept)."""
    click.echo(printable(message) if message is not None else None, **kwargs)
