"""Text on its way to paper: control characters out, then only what the code page can print.

Text from outside (back office, marketplaces) may carry control characters that would be taken
as printer commands, so they are stripped first. Then each character the profile's code page
lacks is transliterated by the profile's table (₽ → "руб."), else reduced to its base letter
(é → e), else replaced by the profile's visible substitute ("■" by default): never a silent "?".
Every substituted character is remembered so callers and tests can report it.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from drivers.profile import EncodingSettings


def strip_controls(text: str) -> str:
    """Remove control and invisible format characters (C0, C1, DEL, bidi overrides, zero-width)."""
    text = text.replace("\t", " ")
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf"))


@lru_cache(maxsize=4096)
def _encodable(char: str, codec: str) -> bool:
    try:
        char.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


class Transliterator:
    """Turns any text into text the profile's code page encodes one byte per character."""

    def __init__(self, encoding: EncodingSettings):
        self.codec = encoding.codec
        self.table = dict(encoding.transliterate)
        self.substitute = encoding.substitute
        self.substituted: set[str] = set()

    def printable(self, text: str) -> str:
        out = []
        for char in strip_controls(unicodedata.normalize("NFC", text)):
            out.append(self._char(char))
        return "".join(out)

    def _char(self, char: str) -> str:
        if char in self.table:
            return self._table_entry(char)
        if _encodable(char, self.codec):
            return char
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        if base and all(_encodable(c, self.codec) for c in base) and base != char:
            return base
        self.substituted.add(char)
        return self.substitute

    def _table_entry(self, char: str) -> str:
        """A table entry, itself checked: a bad entry in a profile must not print garbage."""
        replacement = self.table[char]
        return "".join(
            c if _encodable(c, self.codec) else self._fallback(c) for c in strip_controls(replacement)
        )

    def _fallback(self, char: str) -> str:
        self.substituted.add(char)
        return self.substitute

    def encode(self, text: str) -> bytes:
        """Bytes in the code page; ``text`` must come from :meth:`printable`."""
        return self.printable(text).encode(self.codec)
