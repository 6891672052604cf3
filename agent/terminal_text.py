"""Text from outside (the back office, marketplaces, the register, error answers) made safe to show
on a terminal: no escape sequences, no control or invisible format characters.

A name such as ``"\\x1b]0;pwned\\x07"`` would otherwise retitle the cashier's terminal or move the
cursor; bidi overrides and zero-width characters would make a name read differently than it is.
The CLI prints through this and the TUI's plain-text widgets use it for every outside string.
"""

from __future__ import annotations

import re
import unicodedata

_KEEP = {"\n"}
_LINE_BREAKS = str.maketrans({"\u2028": "\n", "\u2029": "\n", "\x85": "\n"})
# whole escape sequences go, not only their ESC: CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST),
# the two-character ones, and the 8-bit CSI
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]|\x9b[0-?]*[ -/]*[@-~]"
)


def printable(value: object, *, one_line: bool = False) -> str:
    """``value`` as text with escape sequences, control (C0, C1, DEL) and format (bidi, zero-width)
    characters removed; tabs become spaces, and with ``one_line`` line breaks become spaces too."""
    if value is None:
        return ""
    text = str(value)
    if text.isprintable():  # the usual case, checked in C: no control, format or separator characters
        return text
    text = _ESCAPES.sub("", text).replace("\t", " ").replace("\r\n", "\n").replace("\r", "\n")
    text = text.translate(_LINE_BREAKS)  # str.splitlines breaks at these too: they are line breaks
    if one_line:
        text = text.replace("\n", " ")
    return "".join(ch for ch in text if ch in _KEEP or unicodedata.category(ch) not in ("Cc", "Cf"))
