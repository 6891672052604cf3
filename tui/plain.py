"""Outside text on screen: always plain, never Rich markup, never control characters.

Product, employee, organization, store and order names, and the daemon's error messages come from
outside: ``[/]`` in a product name must show as ``[/]``, not crash the screen, and ``Juice [new]``
must not lose ``[new]``. Every such string reaches a widget as a ``Text`` built here, or through
the plain widgets in ``tui/widgets/plain.py`` (tests/tui/test_plain_text.py keeps it so).
"""

from __future__ import annotations

from rich.text import Text

from agent.terminal_text import printable

__all__ = ["plain", "printable"]


def plain(value: object, style: str = "", *, justify=None, one_line: bool = False) -> Text:
    """``value`` as a Text that is shown exactly as written (minus control characters)."""
    return Text(printable(value, one_line=one_line), style=style, justify=justify, end="")
